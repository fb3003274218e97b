// `npm run feature-keys`: the CLI the platform team uses to hand a feature team its queues' keys.

import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/feature-keys.ts', import.meta.url));
const SECRET = 'platform-feature-secret';
const NEXT = 'platform-feature-secret-next';

/** The ARCHITECTURE definition, computed independently of src/. */
const expectedKey = (secret: string, queue: string): string => createHmac('sha256', secret).update(`queue-key:${queue}`).digest('hex');

const run = (args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const { FEATURE_SIGNING_SECRET: _a, FEATURE_SIGNING_SECRET_NEXT: _b, ...inherited } = process.env;
    execFile(process.execPath, [SCRIPT, ...args], { env: { ...inherited, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });

describe('npm run feature-keys', () => {
  it("prints each queue's key as createJobHandler's `keys` option", async () => {
    const { code, stdout } = await run(['email', 'image-gen'], { FEATURE_SIGNING_SECRET: SECRET });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ keys: { email: expectedKey(SECRET, 'email'), 'image-gen': expectedKey(SECRET, 'image-gen') } });
  });

  it('adds `nextKeys` while FEATURE_SIGNING_SECRET_NEXT is set', async () => {
    const { code, stdout } = await run(['email'], { FEATURE_SIGNING_SECRET: SECRET, FEATURE_SIGNING_SECRET_NEXT: NEXT });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ keys: { email: expectedKey(SECRET, 'email') }, nextKeys: { email: expectedKey(NEXT, 'email') } });
  });

  it.each([
    ['a missing secret', {}, 'FEATURE_SIGNING_SECRET is not set'],
    ['a short secret', { FEATURE_SIGNING_SECRET: 'short-secret' }, 'FEATURE_SIGNING_SECRET must be at least 16 characters'],
    ['a short next secret', { FEATURE_SIGNING_SECRET: SECRET, FEATURE_SIGNING_SECRET_NEXT: 'short-next' }, 'FEATURE_SIGNING_SECRET_NEXT must be at least 16 characters'],
  ])('exits 1 on %s, naming it and printing no secret', async (_case, env, message) => {
    const { code, stdout, stderr } = await run(['email'], env);
    expect(code).toBe(1);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
    for (const value of Object.values(env)) expect(stderr).not.toContain(value);
  });

  it('exits 2 without queues or with a name no queue can have', async () => {
    expect(await run([], { FEATURE_SIGNING_SECRET: SECRET })).toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') });
    expect(await run(['Email'], { FEATURE_SIGNING_SECRET: SECRET })).toMatchObject({ code: 2, stderr: expect.stringContaining('not a queue name: Email') });
  });
});
