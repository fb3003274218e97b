// The `queue-worker` CLI run as a child process against the running stack: the real edge (wrangler
// dev), a real bridge on real Redis, a feature stub. Proves what operators and scripts rely on: what
// it prints, what it changes at the edge, and its exit codes (0 ok, 1 refused, 2 usage, 3 unreachable,
// 4 conflict) with one-line errors that never show a token.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { queueKey } from '../../src/feature-keys.ts';
import type { Registration } from '../../src/protocol.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { jsonOf, runCli, type CliRun } from '../support/cli.ts';
import { freePort } from '../../scripts/free-port.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { TestStack } from '../support/stack.ts';
import { teardown } from '../support/teardown.ts';
import { nextUtc } from '../support/utc-clock.ts';
import { waitFor } from '../support/wait.ts';

let stack: TestStack;
let bridge: Bridge;
let env: Record<string, string>;
let fileDir: string;
let counter = 0;

/** A queue name no other test uses. */
const uniqueName = (label: string): string => `cli-${label}-${Date.now().toString(36)}-${counter++}`;

const cli = (...args: string[]): Promise<CliRun> => runCli(args, env);

const registration = async (name: string): Promise<Registration | undefined> => {
  const response = await fetch(`${stack.edge.url}/admin/registrations/${name}`, { headers: { Authorization: `Bearer ${stack.edge.adminToken}` } });
  return response.status === 404 ? undefined : ((await response.json()) as Registration);
};

const writeJson = (value: unknown): string => {
  const file = join(fileDir, `registrations-${counter++}.json`);
  writeFileSync(file, JSON.stringify(value));
  return file;
};

/** A failing run's contract: the exit code, one line on stderr, no token in it. */
const expectOneLineError = (run: CliRun, code: number, pattern: RegExp): void => {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr.trimEnd()).toMatch(pattern);
  expect(run.stderr + run.stdout).not.toContain(EDGE_TEST_BINDINGS.ADMIN_TOKEN);
};

beforeAll(async () => {
  stack = await TestStack.start();
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port));
  env = { EDGE_URL: stack.edge.url, BRIDGE_URL: bridge.url, ADMIN_TOKEN: stack.edge.adminToken };
  fileDir = mkdtempSync(join(tmpdir(), 'qw-cli-'));
});

afterAll(() =>
  teardown(
    () => bridge?.close(),
    () => stack?.close(),
    () => fileDir && rmSync(fileDir, { recursive: true, force: true }),
  ),
);

describe('status', () => {
  it("shows both tiers healthy and each queue's figures; --json parses", async () => {
    const name = await stack.register('cli-status', { concurrency: 3, rateLimit: { max: 5, perMs: 1_000 } });
    // The bridge reports ok once it has synced with the edge and runs the new queue's worker.
    const json = await waitFor(
      async () => {
        const run = await cli('status', '--json');
        const report = run.code === 0 ? jsonOf(run) : undefined;
        return report?.bridge.status.workers.some((worker: { queue: string }) => worker.queue === name) ? report : undefined;
      },
      { what: 'status to show both tiers ok with the queue', timeoutMs: 20_000 },
    );
    expect(json).toMatchObject({ ok: true, edge: { reachable: true, health: { status: 'ok' } }, bridge: { reachable: true, health: { status: 'ok' } } });
    expect(json.edge.status.queues.find((queue: { name: string }) => queue.name === name)).toMatchObject({ limit: 3, inFlight: 0 });

    const table = await cli('status');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^edge\\s+${stack.edge.url}\\s+ok$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^bridge\\s+${bridge.url}\\s+ok$`, 'm'));
    // RATE: the starts counted in the window / max per window.
    expect(table.stdout).toMatch(new RegExp(`^${name}\\s+false\\s+0/3\\s+0/5 per 1000 ms\\s+running\\s+0\\s+0\\s+0\\s+0`, 'm'));
  });

  it("shows the soonest run of a queue's schedules", async () => {
    // 09:30 in India (UTC+5:30, no daylight saving) is 04:00 UTC.
    const now = Date.now();
    const name = await stack.register('cli-sched', { schedules: [{ id: 'daily', cron: '30 9 * * *', tz: 'Asia/Kolkata', data: {} }] });
    const expected = new Date(nextUtc(now, 4, 0)).toISOString();
    const table = await waitFor(
      async () => {
        const run = await cli('status');
        return run.stdout.includes(expected) ? run.stdout : undefined;
      },
      { what: 'the next run in the status table', timeoutMs: 20_000 },
    );
    expect(table).toMatch(/NEXT RUN/);
    expect(table).toMatch(new RegExp(`^${name}\\s.*${expected.replace(/\./g, '\\.')}`, 'm'));
  });

  it('exits 3 with one line when the bridge cannot be reached, still showing the edge', async () => {
    const run = await runCli(['status'], { ...env, BRIDGE_URL: `http://127.0.0.1:${await freePort()}` });
    expectOneLineError(run, 3, /^queue-worker: bridge unreachable at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/);
    expect(run.stdout).toMatch(/^edge\s+\S+\s+ok$/m);
    expect(run.stdout).toMatch(/^bridge\s+\S+\s+unreachable$/m);
  });
});

describe('queues', () => {
  it('set creates, get and ls show it, pause and resume flip it at the edge, rm deletes it', async () => {
    const name = uniqueName('crud');
    const created = await cli('queues', 'set', name, '--endpoint', stack.stub.url, '--concurrency', '4', '--timeout-ms', '9000', '--attempts', '5', '--json');
    expect(created.code, created.stderr).toBe(0);
    expect(jsonOf(created)).toMatchObject({ name, endpoint: stack.stub.url, concurrency: 4, timeoutMs: 9000, retry: { attempts: 5 }, version: 1 });

    const got = await cli('queues', 'get', name);
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/^concurrency\s+4$/m);
    expect(got.stdout).toMatch(/^retry\.attempts\s+5$/m);

    const listed = await cli('queues', 'ls', '--json');
    expect(jsonOf(listed).registrations.find((r: Registration) => r.name === name)).toMatchObject({ concurrency: 4 });
    expect((await cli('queues', 'ls')).stdout).toMatch(new RegExp(`^${name}\\s+${stack.stub.url}/internal/process-job\\s+4\\s+9000\\s+5\\s+false\\s+1$`, 'm'));

    // set changes only the fields given.
    expect((await cli('queues', 'set', name, '--concurrency', '6')).code).toBe(0);
    expect(await registration(name)).toMatchObject({ concurrency: 6, timeoutMs: 9000, retry: { attempts: 5 }, version: 2 });

    expect((await cli('queues', 'pause', name)).code).toBe(0);
    expect(await registration(name)).toMatchObject({ paused: true });
    expect((await cli('queues', 'resume', name)).code).toBe(0);
    expect(await registration(name)).toMatchObject({ paused: false, version: 4 });

    const removed = await cli('queues', 'rm', name);
    expect(removed).toMatchObject({ code: 0, stdout: `deleted ${name}\n` });
    expect(await registration(name)).toBeUndefined();
    expectOneLineError(await cli('queues', 'get', name), 1, new RegExp(`^queue-worker: edge answered 404 not_found: queue '${name}' is not registered$`));
  });

  it('set --if-match and rm --if-match refuse with exit 4 when the queue changed since that version, changing nothing', async () => {
    const name = await stack.register('cli-ifmatch', { concurrency: 2 });
    await stack.edge.patchRegistration(name, { concurrency: 3 });

    expectOneLineError(await cli('queues', 'set', name, '--concurrency', '8', '--if-match', '1'), 4, /^queue-worker: edge answered 412 precondition_failed: .*version \(2\)$/);
    expectOneLineError(await cli('queues', 'rm', name, '--if-match', '1'), 4, /412 precondition_failed/);
    expect(await registration(name)).toMatchObject({ concurrency: 3, version: 2 });

    expect((await cli('queues', 'set', name, '--concurrency', '8', '--if-match', '2')).code).toBe(0);
    expect(await registration(name)).toMatchObject({ concurrency: 8, version: 3 });
  });

  it('set --rate-limit sets the limit, --no-rate-limit removes it; a bad value is exit 2, one line, and sends nothing', async () => {
    const name = await stack.register('cli-rate', { concurrency: 2 });
    const set = await cli('queues', 'set', name, '--rate-limit', '50/2s', '--json');
    expect(set.code, set.stderr).toBe(0);
    expect(jsonOf(set)).toMatchObject({ rateLimit: { max: 50, perMs: 2_000 }, concurrency: 2, version: 2 });

    expectOneLineError(await cli('queues', 'set', name, '--rate-limit', '50'), 2, /'--rate-limit <max\/window>' argument '50' is invalid\. must be <max>\/<window>/);
    expectOneLineError(await cli('queues', 'set', name, '--rate-limit', '50/10ms'), 2, /the window must be 100ms to 24h\.$/);
    expect(await registration(name)).toMatchObject({ rateLimit: { max: 50, perMs: 2_000 }, version: 2 });

    expect((await cli('queues', 'set', name, '--no-rate-limit')).code).toBe(0);
    const removed = await registration(name);
    expect(removed).toMatchObject({ concurrency: 2, version: 3 });
    expect(removed?.rateLimit).toBeUndefined();
  });

  it('answers the edge’s 400 naming the field as exit 1, one line', async () => {
    const name = await stack.register('cli-invalid');
    expectOneLineError(await cli('queues', 'set', name, '--endpoint', 'ftp://example.com'), 1, /^queue-worker: edge answered 400 invalid_request: endpoint /);
  });
});

describe('queues apply', () => {
  it('prints the diff; --dry-run changes nothing; apply makes the edge match, the seed shape included; re-applying changes nothing', async () => {
    const existing = await stack.register('cli-apply', { concurrency: 2, timeoutMs: 5_000 });
    const fresh = uniqueName('seed');
    const file = writeJson([
      // completion "sync" is the default the edge does not store: no change, now or on re-applying.
      { name: existing, concurrency: 4, completion: 'sync' },
      // The seed's registrations.ts entry, as it is.
      { name: fresh, endpoint: stack.stub.url, config: { concurrency: 3, timeout: 15000 } },
    ]);

    const dryRun = await cli('queues', 'apply', file, '--dry-run');
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toMatch(new RegExp(`^~ update\\s+${existing}\\s+concurrency: 2 → 4$`, 'm'));
    expect(dryRun.stdout).toMatch(new RegExp(`^\\+ create\\s+${fresh}\\s+endpoint: ${stack.stub.url}, concurrency: 3, timeoutMs: 15000$`, 'm'));
    expect(dryRun.stdout).toMatch(/^dry run: nothing changed$/m);
    expect(await registration(existing)).toMatchObject({ concurrency: 2, version: 1 });
    expect(await registration(fresh)).toBeUndefined();

    const applied = await cli('queues', 'apply', file);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^applied 2 change\(s\)$/m);
    expect(await registration(existing)).toMatchObject({ concurrency: 4, timeoutMs: 5_000, version: 2 });
    expect(await registration(fresh)).toMatchObject({ endpoint: stack.stub.url, concurrency: 3, timeoutMs: 15000, version: 1 });

    const again = await cli('queues', 'apply', file, '--json');
    expect(again.code).toBe(0);
    const changes = jsonOf(again).changes.filter((change: { name: string }) => [existing, fresh].includes(change.name));
    expect(changes).toEqual([
      { action: 'unchanged', name: existing },
      { action: 'unchanged', name: fresh },
    ].sort((a, b) => a.name.localeCompare(b.name)));
    expect(await registration(existing)).toMatchObject({ version: 2 });
  });

  it('--prune deletes what the file no longer lists (export with ls --json, drop one, apply) and nothing else', async () => {
    const kept = await stack.register('cli-prune-kept');
    const dropped = await stack.register('cli-prune-dropped');
    const exported = jsonOf<{ registrations: Registration[] }>(await cli('queues', 'ls', '--json'));
    const file = writeJson({ registrations: exported.registrations.filter((r) => r.name !== dropped) });
    const before = exported.registrations.filter((r) => r.name !== dropped);

    const withoutPrune = await cli('queues', 'apply', file);
    expect(withoutPrune.stdout).toMatch(new RegExp(`^\\s+keep\\s+${dropped}\\s+not in the file \\(--prune deletes it\\)$`, 'm'));
    expect(await registration(dropped)).toBeDefined();

    const pruned = await cli('queues', 'apply', file, '--prune');
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(new RegExp(`^- delete\\s+${dropped}$`, 'm'));
    expect(pruned.stdout).toMatch(/^applied 1 change\(s\)$/m);
    expect(await registration(dropped)).toBeUndefined();
    expect(await registration(kept)).toMatchObject({ version: 1 });
    const after = jsonOf<{ registrations: Registration[] }>(await cli('queues', 'ls', '--json')).registrations;
    expect(after.map((r) => [r.name, r.version])).toEqual(before.map((r) => [r.name, r.version]));
  });

  it('reports a change made at the edge since the file was exported as a conflict (exit 4) and keeps it; the other changes go through', async () => {
    const contested = await stack.register('cli-contested', { concurrency: 2 });
    const other = uniqueName('alongside');
    const exported = jsonOf<Registration>(await cli('queues', 'get', contested, '--json'));
    // Someone else changes the queue after the export.
    await stack.edge.patchRegistration(contested, { concurrency: 9 });
    const file = writeJson([
      { ...exported, concurrency: 7 },
      { name: other, endpoint: stack.stub.url },
    ]);

    const run = await cli('queues', 'apply', file);
    expectOneLineError(run, 4, new RegExp(`^queue-worker: conflict: changed at the edge since read, left as they are: ${contested} `));
    expect(run.stdout).toMatch(new RegExp(`^! conflict\\s+${contested}\\s+the file was edited from version 1; the edge has version 2$`, 'm'));
    expect(await registration(contested)).toMatchObject({ concurrency: 9, version: 2 });
    expect(await registration(other)).toMatchObject({ endpoint: stack.stub.url, version: 1 });
  });

  it('refuses a bad file with exit 2 naming the field, and sends nothing', async () => {
    const name = uniqueName('bad-file');
    const file = writeJson([{ name, endpoint: stack.stub.url, config: { concurrency: 3, retries: 2 } }]);
    expectOneLineError(await cli('queues', 'apply', file), 2, /\[0\]\.config\.retries is not a known field$/);
    expectOneLineError(await cli('queues', 'apply', writeJson([{ name, concurrency: 2 }])), 2, new RegExp(`new queue\\(s\\) need an endpoint: ${name}$`));
    expectOneLineError(await cli('queues', 'apply', join(fileDir, 'missing.json')), 2, /cannot read .*missing\.json: ENOENT$/);
    expect(await registration(name)).toBeUndefined();
  });
});

describe('keys', () => {
  it("prints the queue's feature key, the one queueKey() derives from the platform secret", async () => {
    const name = await stack.register('cli-keys');
    const expected = await queueKey(EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET, name);
    const run = await cli('keys', name);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run)).toEqual({ keys: { [name]: expected } });
    expect(jsonOf(await cli('keys', name, '--json'))).toEqual({ key: expected });
  });

  it('is refused without the admin token: 401 is exit 1, no token set is exit 2; no key is printed', async () => {
    const name = await stack.register('cli-keys-refused');
    const wrongToken = await runCli(['keys', name], { ...env, ADMIN_TOKEN: 'not-the-admin-token-at-all' });
    expectOneLineError(wrongToken, 1, /^queue-worker: edge answered 401 unauthorized/);
    expect(wrongToken.stdout).toBe('');
    expect(wrongToken.stderr).not.toContain('not-the-admin-token-at-all');
    expectOneLineError(await runCli(['keys', name], { EDGE_URL: env.EDGE_URL }), 2, /^queue-worker: ADMIN_TOKEN is not set \(or pass --admin-token\)$/);
  });
});

describe('bad flags and unreachable tiers', () => {
  it('exits 2 with one line for an unknown option, a bad value, a bad queue name or a missing setting', async () => {
    expectOneLineError(await cli('queues', 'ls', '--bogus'), 2, /^queue-worker: unknown option '--bogus'$/);
    expectOneLineError(await cli('queues', 'set', 'q', '--concurrency', 'many'), 2, /'--concurrency <n>' argument 'many' is invalid/);
    expectOneLineError(await cli('failed', 'retry', 'q', '--older-than', 'soon'), 2, /'--older-than <duration>' argument 'soon' is invalid/);
    expectOneLineError(await cli('queues', 'get', 'Not A Queue'), 2, /value 'Not A Queue' is invalid for argument 'queue'/);
    expectOneLineError(await runCli(['queues', 'ls'], { ADMIN_TOKEN: env.ADMIN_TOKEN }), 2, /^queue-worker: EDGE_URL is not set \(or pass --edge-url\)$/);
    expectOneLineError(await runCli(['queues', 'ls'], { ...env, EDGE_URL: 'not a url' }), 2, /^queue-worker: EDGE_URL must be an http\(s\) URL$/);
  });

  it('exits 3 with one line naming the tier when the edge cannot be reached', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expectOneLineError(await runCli(['queues', 'ls'], { ...env, EDGE_URL: closed }), 3, new RegExp(`^queue-worker: edge unreachable at ${closed}: ECONNREFUSED$`));
    expectOneLineError(await runCli(['--edge-url', closed, 'keys', 'q'], env), 3, /edge unreachable/);
  });
});
