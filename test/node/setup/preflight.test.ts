// `npm start`, `npm test` and `npm run bridge` on a machine whose Node is too old, or without
// redis-server, answer with one line saying what is needed and how to get it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { GET_NODE, INSTALL_REDIS, nodeVersionProblem } from '../../../scripts/preflight-checks.mjs';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Debian's packaged Node (20 on the CI image): a real old Node, not a faked version string. */
const OLD_NODE = '/usr/bin/node';
const oldNodeVersion = spawnSync(OLD_NODE, ['--version'], { encoding: 'utf8' }).stdout?.trim().replace(/^v/, '');
const hasOldNode = oldNodeVersion !== undefined && nodeVersionProblem(oldNodeVersion) !== undefined;

/** A PATH holding only `node` (pointing at `target`), then whatever `rest` adds. */
const binDir = mkdtempSync(join(tmpdir(), 'qw-preflight-'));
const pathWith = (target: string, rest: string) => {
  rmSync(join(binDir, 'node'), { force: true });
  symlinkSync(target, join(binDir, 'node'));
  return `${binDir}:${rest}`;
};

afterAll(() => rmSync(binDir, { recursive: true, force: true }));

describe('the Node version check', () => {
  it.each(['18.20.0', '20.20.2', '22.12.0', '22.17.1'])('refuses Node %s in one line naming the version needed and how to get it', (version) => {
    const problem = nodeVersionProblem(version);
    expect(problem).toContain(`this is Node ${version}`);
    expect(problem).toContain('Node.js 24 (at least 22.18)');
    expect(problem).toContain(GET_NODE);
    expect(problem).not.toContain('\n');
  });

  it.each(['22.18.0', '23.11.0', '24.0.0', '26.1.0'])('accepts Node %s', (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });

  it.runIf(hasOldNode).each(['start', 'test', 'bridge'])(`npm %s under ${OLD_NODE} says which Node it needs instead of ERR_UNKNOWN_FILE_EXTENSION`, (script) => {
    const run = spawnSync('npm', ['run', '--silent', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, PATH: pathWith(OLD_NODE, process.env.PATH ?? '') },
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`Queue Worker needs Node.js 24 (at least 22.18); this is Node ${oldNodeVersion}. Get it: ${GET_NODE}`);
    expect(`${run.stdout}${run.stderr}`).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
  });
});

describe('the redis-server check', () => {
  it('npm test without redis-server on PATH says how to install it', () => {
    // Only `node` on PATH: no redis-server, and nothing else the script could fall back to.
    const run = spawnSync(process.execPath, ['scripts/preflight.mjs', '--redis-server'], { cwd: ROOT, encoding: 'utf8', env: { PATH: pathWith(process.execPath, '/nonexistent') } });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(`redis-server was not found on PATH (the tests start their own): ${INSTALL_REDIS}`);
  });

  it('passes when this Node is new enough and redis-server is installed', () => {
    const run = spawnSync(process.execPath, ['scripts/preflight.mjs', '--redis-server'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
