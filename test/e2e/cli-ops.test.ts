// The CLI as a child process against the real edge (wrangler dev), a real bridge on real Redis with
// both ops tokens, and a feature stub that fails or completes jobs on cue.

import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { jsonOf, runCli, type CliRun } from '../support/cli.ts';
import type { RecordedRequest, StubBehaviour } from '../support/feature-stub-types.ts';
import { TestStack } from '../support/stack.ts';
import { teardown } from '../support/teardown.ts';
import { waitFor } from '../support/wait.ts';

const OPS_TOKEN = 'cli-ops-act-token-0123456789';
const OPS_READ_TOKEN = 'cli-ops-read-token-0123456789';
const failure = (error: string) => ({ status: 200, body: { success: false, error, retryable: false } });
const COMPLETED = { status: 200, body: { success: true, result: { ok: true } } };
/** Each job's first call fails with the reason its id names ('e-…' expired, else declined); later calls complete. */
const failFirstCalls = (): ((request: RecordedRequest) => StubBehaviour) => {
  const seen = new Set<string>();
  return (request) => {
    const jobId = request.headers['x-queue-job-id'];
    if (seen.has(jobId)) return COMPLETED;
    seen.add(jobId);
    return failure(jobId.startsWith('e-') ? 'card expired' : 'card declined');
  };
};

let stack: TestStack;
let bridge: Bridge;
let env: Record<string, string>;
const cleanups: (() => Promise<unknown>)[] = [];

const cli = (...args: string[]): Promise<CliRun> => runCli(args, env);

const expectOneLineError = (run: CliRun, code: number, pattern: RegExp): void => {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr.trimEnd()).toMatch(pattern);
  expect(run.stderr + run.stdout).not.toContain(OPS_TOKEN);
};

/** A queue whose jobs' first calls fail at once (not retryable); a redriven job completes. */
const failingQueue = async (label: string): Promise<{ name: string; queue: Queue }> => {
  const name = await stack.register(label, { concurrency: 1, retry: { attempts: 1 } });
  stack.stub.script(name, failFirstCalls());
  const queue = new Queue(name, { connection: stack.redis.connection });
  cleanups.push(() => queue.close());
  return { name, queue };
};

const failedIds = async (queue: Queue, count: number): Promise<string[]> =>
  waitFor(
    async () => {
      const failed = await queue.getFailed();
      return failed.length === count ? failed.map((job) => job.id as string) : undefined;
    },
    { what: `${count} failed job(s) in ${queue.name}`, timeoutMs: 20_000 },
  );

beforeAll(async () => {
  stack = await TestStack.start();
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port, { OPS_TOKEN, OPS_READ_TOKEN }));
  env = { EDGE_URL: stack.edge.url, BRIDGE_URL: bridge.url, ADMIN_TOKEN: stack.edge.adminToken, OPS_TOKEN };
});

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

afterAll(() =>
  teardown(
    () => bridge?.close(),
    () => stack?.close(),
  ),
);

describe('jobs', () => {
  it('ls lists the failed jobs (table and --json), get shows one with its attempt trail', async () => {
    const { name, queue } = await failingQueue('cli-jobs-ls');
    await queue.add('charge', { amount: 5 }, { jobId: 'job-a' });
    await queue.add('charge', { amount: 6 }, { jobId: 'job-b' });
    await failedIds(queue, 2);

    const listed = await runCli(['jobs', 'ls', name, '--state', 'failed', '--json'], { ...env, OPS_TOKEN: '', OPS_READ_TOKEN });
    expect(listed.code, listed.stderr).toBe(0);
    expect(jsonOf(listed).jobs.map((job: { id: string }) => job.id).sort()).toEqual(['job-a', 'job-b']);
    expect(jsonOf(listed).jobs[0]).toMatchObject({ state: 'failed', attemptsMade: 1, failedReason: expect.stringContaining('card declined') });

    const table = await cli('jobs', 'ls', name);
    expect(table.stdout).toMatch(/^job-a\s+charge\s+failed\s+1\s/m);

    const detail = jsonOf(await cli('jobs', 'get', name, 'job-a', '--json'));
    expect(detail).toMatchObject({ id: 'job-a', data: { amount: 5 }, attempts: [{ attempt: 1, outcome: expect.stringMatching(/fail/) }] });
    const shown = await cli('jobs', 'get', name, 'job-a');
    expect(shown.stdout).toMatch(/^ATTEMPT\s+AT\s+OUTCOME/m);
  });

  it('retry sends a failed job back and it completes; retrying a job that is not failed is a conflict (exit 4)', async () => {
    const { name, queue } = await failingQueue('cli-jobs-retry');
    await queue.add('charge', {}, { jobId: 'job-r' });
    await failedIds(queue, 1);

    const retried = await cli('jobs', 'retry', name, 'job-r', '--json');
    expect(retried.code, retried.stderr).toBe(0);
    expect(jsonOf(retried)).toMatchObject({ id: 'job-r' });
    await waitFor(async () => (await queue.getJobState('job-r')) === 'completed', { what: 'job-r to complete' });

    expectOneLineError(await cli('jobs', 'retry', name, 'job-r'), 4, /^queue-worker: bridge answered 409 /);
  });

  it('cancel removes a delayed job', async () => {
    const { name, queue } = await failingQueue('cli-jobs-cancel');
    await queue.add('later', {}, { jobId: 'job-c', delay: 60_000 });
    const run = await cli('jobs', 'cancel', name, 'job-c');
    expect(run.code, run.stderr).toBe(0);
    expect(await queue.getJob('job-c')).toBeUndefined();
  });

  it('the read token cannot act: without OPS_TOKEN the CLI refuses locally (2); with the read token as OPS_TOKEN the bridge refuses (1)', async () => {
    const { name, queue } = await failingQueue('cli-jobs-scope');
    await queue.add('charge', {}, { jobId: 'job-s' });
    await failedIds(queue, 1);
    expectOneLineError(await runCli(['jobs', 'retry', name, 'job-s'], { ...env, OPS_TOKEN: '', OPS_READ_TOKEN }), 2, /^queue-worker: OPS_TOKEN is not set/);
    const refused = await runCli(['jobs', 'retry', name, 'job-s'], { ...env, OPS_TOKEN: OPS_READ_TOKEN });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^queue-worker: bridge answered 403 forbidden/);
    expect(await queue.getJobState('job-s')).toBe('failed');
  });
});

describe('failed retry and purge', () => {
  it('failed retry redrives only the jobs whose reason matches, paced, and says how many', async () => {
    const { name, queue } = await failingQueue('cli-redrive');
    for (const id of ['d-1', 'e-1', 'd-2']) await queue.add('charge', {}, { jobId: id });
    await failedIds(queue, 3);

    const run = await cli('failed', 'retry', name, '--error-contains', 'declined', '--per-second', '5', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run)).toEqual({ matched: 2, retried: 2 });
    await waitFor(async () => (await queue.getJobState('d-1')) === 'completed' && (await queue.getJobState('d-2')) === 'completed', { what: 'the redriven jobs' });
    expect(await queue.getJobState('e-1')).toBe('failed');

    const none = await cli('failed', 'retry', name, '--older-than', '1d');
    expect(none.stdout).toMatch(/^matched\s+0$/m);
  });

  it('purge removes the failed set and says how many; a purge without --state is a usage error', async () => {
    const { name, queue } = await failingQueue('cli-purge');
    for (const id of ['p-1', 'p-2']) await queue.add('charge', {}, { jobId: id });
    await failedIds(queue, 2);

    expectOneLineError(await cli('purge', name), 2, /required option '--state <state...>' not specified/);
    const run = await cli('purge', name, '--state', 'failed', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run)).toEqual({ removed: 2 });
    expect(await queue.getFailedCount()).toBe(0);
  });
});
