// The operations routes that act, against real Redis, the real edge and a real bridge: retry one,
// bulk redrive with filters and measured pacing, purge, cancel of jobs not yet started; every
// refusal changes nothing.

import { Queue, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import type { RegistrationInput } from '../../src/protocol.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { OPS_ENV, opsFetch } from '../support/ops.ts';
import { bodyExamples, mutations, queryExample, type OpenApiDocument } from '../support/openapi.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const ONE_TRY: RegistrationInput['retry'] = { attempts: 1, backoff: { type: 'fixed', delayMs: 100, maxDelayMs: 100, jitter: 0 } };

let stack: TestStack;
let bridge: Bridge;
const queues: Queue[] = [];

beforeAll(async () => {
  stack = await TestStack.start();
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port, OPS_ENV));
});

afterAll(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  await bridge?.close();
  await stack?.close();
});

const registerQueue = async (label: string, input: RegistrationInput = {}): Promise<Queue> => {
  const name = await stack.register(label, { retry: ONE_TRY, ...input });
  await waitFor(async () => (await opsFetch(bridge.url, `/queues/${name}/jobs?state=waiting`)).status === 200, { what: `the bridge to run ${name}` });
  const queue = new Queue(name, { connection: stack.connection });
  queues.push(queue);
  return queue;
};

const act = (queue: Queue, path: string, body?: unknown) => opsFetch(bridge.url, `/queues/${queue.name}${path}`, { method: 'POST', body });

/** Failed jobs whose failedReason is `reason`, one at a time so their finish times are ordered. */
const failJobs = async (queue: Queue, reasons: string[]): Promise<Job[]> => {
  stack.stub.script(queue.name, (request) => ({ status: 400, body: { error: (request.body as { data: { reason: string } }).data.reason } }));
  const jobs: Job[] = [];
  for (const reason of reasons) {
    const added = await queue.add('doomed', { reason });
    jobs.push(...(await finishedJobs(queue, [added.id!])));
  }
  return jobs;
};

const counts = (queue: Queue) => queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');

describe('POST …/jobs/:id/retry', () => {
  it('moves a failed job to waiting with fresh attempts; it then completes; a second retry is 409', async () => {
    const queue = await registerQueue('retry-one');
    const [job] = await failJobs(queue, ['smtp refused']);
    stack.stub.script(queue.name, [{ body: { success: true, result: 'second life' } }]);

    const retried = await act(queue, `/jobs/${job.id}/retry`);

    expect(retried).toEqual({ status: 200, body: { id: job.id, state: 'waiting' } });
    const [done] = await finishedJobs(queue, [job.id!]);
    expect(await done.getState()).toBe('completed');
    expect(done.returnvalue).toBe('second life');
    // Fresh attempts: the feature saw attempt 1 again, not attempt 2.
    expect(stack.stub.requests(queue.name).at(-1)?.headers['x-queue-attempt']).toBe('1');
    const again = await act(queue, `/jobs/${job.id}/retry`);
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'conflict', details: { state: 'completed' } } } });
    expect(await done.getState()).toBe('completed');
    expect((await act(queue, '/jobs/no-such-job/retry')).status).toBe(404);
  });
});

describe('POST …/failed/retry', () => {
  it('redrives exactly the failed jobs that match the error filter, up to the limit, at the pace asked for', async () => {
    const queue = await registerQueue('redrive', { concurrency: 5 });
    await failJobs(queue, ['timeout a', 'smtp b', 'timeout c', 'timeout d', 'smtp e', 'timeout f', 'timeout g']);
    stack.stub.script(queue.name, [{ hang: true }]);

    const started = Date.now();
    const answer = await act(queue, '/failed/retry', { errorContains: 'timeout', limit: 4, perSecond: 5 });
    const elapsed = Date.now() - started;

    expect(answer).toEqual({ status: 200, body: { matched: 4, retried: 4 } });
    // Four retries at 5 a second: three gaps of 200 ms.
    expect(elapsed).toBeGreaterThanOrEqual(600);
    expect(elapsed).toBeLessThan(3_000);
    const left = await queue.getFailed();
    expect(left.map((job) => (job.data as { reason: string }).reason).sort()).toEqual(['smtp b', 'smtp e', 'timeout g']);
    // Oldest failures first; the received times are the pace the feature saw.
    const received = await waitFor(() => (stack.stub.requests(queue.name).length >= 11 ? stack.stub.requests(queue.name).slice(7) : undefined));
    expect(received.map((r) => (r.body as { data: { reason: string } }).data.reason)).toEqual(['timeout a', 'timeout c', 'timeout d', 'timeout f']);
    // The feature sees the same pace, give or take the bridge's pick-up and batching of each job.
    expect(received.at(-1)!.receivedAt - received[0].receivedAt).toBeGreaterThanOrEqual(450);
  });

  it('honours the age window, and refuses bad fields by name without retrying anything', async () => {
    const queue = await registerQueue('redrive-window');
    await failJobs(queue, ['old one', 'old two']);
    const bad = await act(queue, '/failed/retry', { olderThanMs: -1, perSecond: 0, limit: 'all', errorContains: '', colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['colour', 'errorContains', 'limit', 'olderThanMs', 'perSecond']);
    expect((await act(queue, '/failed/retry', '{not json')).body.error.details).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
    expect((await counts(queue)).failed).toBe(2);

    // Nothing failed more than an hour ago; both failed within the last minute.
    expect((await act(queue, '/failed/retry', { olderThanMs: 3_600_000 })).body).toEqual({ matched: 0, retried: 0 });
    stack.stub.script(queue.name, [{ hang: true }]);
    expect((await act(queue, '/failed/retry', { newerThanMs: 60_000 })).body).toEqual({ matched: 2, retried: 2 });
  });
});

describe("the bridge's OpenAPI document, as the running bridge serves it", () => {
  it('its ops examples pass the real routes (and change nothing here); each with a field of the wrong type is a 400 naming it', async () => {
    const queue = await registerQueue('openapi-examples');
    await failJobs(queue, ['kept']);
    const document = (await (await fetch(`${bridge.url}/openapi.json`)).json()) as OpenApiDocument;
    const before = await counts(queue);

    const list = new URLSearchParams(queryExample(document.paths['/ops/queues/{name}/jobs'].get));
    expect(await opsFetch(bridge.url, `/queues/${queue.name}/jobs?${list}`)).toMatchObject({ status: 200, body: { jobs: [], nextCursor: null } });
    const examples = bodyExamples(document);
    const answers = { 'POST /ops/queues/{name}/failed/retry': { matched: 0, retried: 0 }, 'POST /ops/queues/{name}/purge': { removed: 0 } };
    expect(examples.map((e) => e.operation).sort()).toEqual(Object.keys(answers).sort());
    for (const example of examples) {
      const path = example.operation.replace('POST /ops/queues/{name}', '');
      for (const { field, body } of mutations(document, example)) {
        const refused = await act(queue, path, body);
        expect(refused.status, `${example.operation}: ${field}`).toBe(400);
        expect(refused.body.error.details.map((d: { field: string }) => d.field)).toEqual([field]);
      }
      // The examples filter by age (and error text): nothing here is old enough to match them.
      expect(await act(queue, path, example.example)).toEqual({ status: 200, body: answers[example.operation as keyof typeof answers] });
    }
    expect(await counts(queue)).toEqual(before);
  });
});

describe('POST …/purge', () => {
  it('removes exactly the jobs of the states asked for, never active ones, and refuses active by name', async () => {
    const queue = await registerQueue('purge', { concurrency: 1 });
    await failJobs(queue, ['x', 'y', 'z']);
    stack.stub.script(queue.name, [{ hang: true }]);
    const running = await queue.add('running', {});
    await waitFor(async () => (await running.getState()) === 'active', { what: 'a job at the feature' });
    await queue.addBulk([
      { name: 'w', data: {} },
      { name: 'w', data: {} },
      { name: 'd', data: {}, opts: { delay: 60_000 } },
    ]);
    const before = await counts(queue);
    expect(before).toMatchObject({ active: 1, waiting: 2, delayed: 1, failed: 3 });

    const refused = await act(queue, '/purge', { states: ['failed', 'active'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ field: 'states[1]', message: expect.stringContaining('never purged') }]);
    expect(await counts(queue)).toEqual(before);

    expect((await act(queue, '/purge', { states: ['failed', 'delayed'] })).body).toEqual({ removed: 4 });
    expect((await act(queue, '/purge', { states: ['waiting'], olderThanMs: 3_600_000 })).body).toEqual({ removed: 0 });
    expect((await act(queue, '/purge', { states: ['waiting'] })).body).toEqual({ removed: 2 });
    expect(await counts(queue)).toMatchObject({ active: 1, waiting: 0, delayed: 0, failed: 0 });
    expect(await running.getState()).toBe('active');
  });
});

describe('POST …/jobs/:id/cancel (not started)', () => {
  it('removes a waiting, a delayed and a prioritized job; a finished job is 409 and stays', async () => {
    const queue = await registerQueue('cancel-idle', { paused: true });
    const waiting = await queue.add('w', {});
    const delayed = await queue.add('d', {}, { delay: 60_000 });
    const prioritized = await queue.add('p', {}, { priority: 5 });

    for (const job of [waiting, delayed, prioritized]) {
      expect(await act(queue, `/jobs/${job.id}/cancel`)).toEqual({ status: 200, body: { id: job.id, state: 'removed' } });
      expect(await queue.getJob(job.id!)).toBeUndefined();
    }
    expect(stack.stub.requests(queue.name)).toHaveLength(0);

    const other = await registerQueue('cancel-finished');
    stack.stub.script(other.name, [{}]);
    const done = await other.add('done', {});
    await finishedJobs(other, [done.id!]);
    const late = await act(other, `/jobs/${done.id}/cancel`);
    expect(late).toMatchObject({ status: 409, body: { error: { details: { state: 'completed' } } } });
    expect(await done.getState()).toBe('completed');
  });
});
