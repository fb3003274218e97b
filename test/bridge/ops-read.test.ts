// The operations routes that read, against real Redis, the real edge and a real bridge: scopes,
// the queues overview with the edge's figures (and without them while the edge is down), paging
// that stays exact while jobs move, and one job with its attempt trail.

import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import type { RegistrationInput } from '../../src/protocol.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { FaultyEdge } from '../support/faulty-edge.ts';
import { allPages, OPS_ENV, OPS_READ_TOKEN, OPS_TOKEN, opsFetch } from '../support/ops.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const RETRY: RegistrationInput['retry'] = { attempts: 3, backoff: { type: 'fixed', delayMs: 100, maxDelayMs: 100, jitter: 0 } };

let stack: TestStack;
let edge: FaultyEdge;
let bridge: Bridge;
/** Runs with the read token only, on its own prefix so it never takes the other bridge's jobs. */
let readOnly: Bridge;
const queues: Queue[] = [];

beforeAll(async () => {
  stack = await TestStack.start();
  edge = await FaultyEdge.start(stack.edge.url);
  bridge = await startBridge(bridgeEnv(edge.url, stack.redis.port, { ...OPS_ENV, BRIDGE_ID: 'ops-read-bridge' }));
  readOnly = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port, { OPS_READ_TOKEN, QUEUE_PREFIX: 'readonly' }));
});

afterAll(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  await Promise.all([bridge?.close(), readOnly?.close()]);
  await edge?.close();
  await stack?.close();
});

const registerQueue = async (label: string, input: RegistrationInput = {}): Promise<Queue> => {
  const name = await stack.register(label, { retry: RETRY, ...input });
  await waitFor(async () => (await opsFetch(bridge.url, `/queues/${name}/jobs?state=waiting`)).status === 200, { what: `the bridge to run ${name}` });
  const queue = new Queue(name, { connection: stack.connection });
  queues.push(queue);
  return queue;
};

describe('scopes', () => {
  it('no token → 401, wrong token → 401, read token reads but gets 403 on an action, act token does both', async () => {
    const queue = await registerQueue('scopes', { paused: true });
    const path = `/queues/${queue.name}/purge`;
    expect((await opsFetch(bridge.url, '/queues', { token: null })).status).toBe(401);
    expect((await opsFetch(bridge.url, '/queues', { token: 'not-a-token-we-know-at-all' })).status).toBe(401);
    expect((await opsFetch(bridge.url, '/queues', { token: OPS_READ_TOKEN })).status).toBe(200);
    const forbidden = await opsFetch(bridge.url, path, { method: 'POST', token: OPS_READ_TOKEN, body: { states: ['waiting'] } });
    expect(forbidden).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await opsFetch(bridge.url, path, { method: 'POST', token: OPS_TOKEN, body: { states: ['waiting'] } })).status).toBe(200);
  });

  it('a bridge without OPS_TOKEN answers its actions 503 not_configured, naming the setting, and still reads', async () => {
    const answer = await opsFetch(readOnly.url, '/queues/any/purge', { method: 'POST', token: OPS_READ_TOKEN, body: { states: ['waiting'] } });
    expect(answer).toMatchObject({ status: 503, body: { error: { code: 'not_configured', details: { name: 'OPS_TOKEN' } } } });
    expect(JSON.stringify(answer.body)).not.toContain(OPS_READ_TOKEN);
    expect((await opsFetch(readOnly.url, '/queues', { token: OPS_READ_TOKEN })).status).toBe(200);
  });

  it('an unknown queue is 404, a bad queue name or query is 400 naming the field', async () => {
    expect((await opsFetch(bridge.url, '/queues/no-such-queue/jobs?state=failed')).status).toBe(404);
    expect((await opsFetch(bridge.url, '/queues/no-such-queue/jobs/1')).status).toBe(404);
    const queue = await registerQueue('bad-input', { paused: true });
    const bad = await opsFetch(bridge.url, `/queues/${queue.name}/jobs?state=sleeping&limit=1e3&cursor=zzz&extra=1`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['cursor', 'extra', 'limit', 'state']);
    expect((await opsFetch(bridge.url, `/queues/${queue.name}/jobs`)).body.error.details).toEqual([{ field: 'state', message: 'is required' }]);
    expect((await opsFetch(bridge.url, `/queues/Not_Valid!/jobs?state=failed`)).status).toBe(400);
  });
});

describe('GET /ops/queues', () => {
  it("shows each queue's counts by state, registration and the edge's figures; with the edge down, the counts and why the figures are missing", async () => {
    const queue = await registerQueue('overview', { concurrency: 3, paused: true });
    await queue.addBulk([{ name: 'a', data: {} }, { name: 'b', data: {} }, { name: 'c', data: {}, opts: { delay: 60_000 } }]);

    const up = await opsFetch(bridge.url, '/queues', { token: OPS_READ_TOKEN });
    expect(up.status).toBe(200);
    expect(up.body.edge).toEqual({ available: true });
    const listed = up.body.queues.find((q: { name: string }) => q.name === queue.name);
    expect(listed).toMatchObject({
      registration: { name: queue.name, concurrency: 3, paused: true },
      counts: { waiting: 2, delayed: 1, active: 0, prioritized: 0, failed: 0, completed: 0 },
      edge: { inFlight: 0, limit: 3, latencyMs: { p50: null, p95: null }, lastError: null },
    });

    edge.fault = 'error-500';
    try {
      const down = await opsFetch(bridge.url, '/queues', { token: OPS_READ_TOKEN });
      expect(down.status).toBe(200);
      expect(down.body.edge).toMatchObject({ available: false, error: expect.stringContaining('500') });
      expect(down.body.queues.find((q: { name: string }) => q.name === queue.name)).toMatchObject({ counts: { waiting: 2, delayed: 1 }, edge: null });
    } finally {
      edge.fault = 'none';
    }
  });

  it("shows an alert URL's origin only to the read token (its path may carry a token), and the whole URL to the act token", async () => {
    const url = 'https://hooks.example.com/services/T0K3N/s3cr3t-in-the-path';
    const queue = await registerQueue('alert-url', { paused: true, alerts: { url, on: ['job.failed'] } });
    const alertsOf = async (token: string) =>
      (await opsFetch(bridge.url, '/queues', { token })).body.queues.find((q: { name: string }) => q.name === queue.name).registration.alerts;
    const read = await alertsOf(OPS_READ_TOKEN);
    expect(read).toEqual({ url: 'https://hooks.example.com', on: ['job.failed'] });
    expect(JSON.stringify((await opsFetch(bridge.url, '/queues', { token: OPS_READ_TOKEN })).body)).not.toMatch(/T0K3N|s3cr3t/);
    expect(await alertsOf(OPS_TOKEN)).toEqual({ url, on: ['job.failed'] });
  });
});

describe('GET /ops/queues/:name/jobs', () => {
  it('pages waiting jobs newest first without a gap or a repeat while new jobs arrive and old ones leave', async () => {
    const queue = await registerQueue('paging-waiting', { paused: true });
    const first = await queue.addBulk(Array.from({ length: 25 }, (_, i) => ({ name: 'job', data: { i } })));
    const expected = first.map((job) => job.id!).reverse();
    let arrivals = 0;
    const seen = await allPages(bridge.url, queue.name, 'waiting', 10, async () => {
      // Newer jobs enter at the head (they shift every index) and the oldest one is taken away.
      await queue.addBulk(Array.from({ length: 3 }, () => ({ name: 'late', data: {} })));
      arrivals += 3;
      await (await queue.getJob(expected.at(-1)!))?.remove();
      expected.pop();
    });
    expect(arrivals).toBe(6);
    expect(seen).toEqual(expected);
  });

  it('pages failed jobs newest first, exactly once each, while some of them are retried in between', async () => {
    const queue = await registerQueue('paging-failed');
    stack.stub.script(queue.name, [{ status: 400 }]);
    const added = await queue.addBulk(Array.from({ length: 12 }, (_, i) => ({ name: 'doomed', data: { i } })));
    const failed = await finishedJobs(queue, added.map((job) => job.id!));
    const newestFirst = [...failed].sort((a, b) => b.finishedOn! - a.finishedOn! || (b.id! < a.id! ? -1 : 1)).map((job) => job.id!);
    const retriedAway: string[] = [];
    const seen = await allPages(bridge.url, queue.name, 'failed', 5, async () => {
      // Jobs already shown leave the set: an index-based page would now skip jobs.
      const [gone] = newestFirst.filter((id) => !retriedAway.includes(id));
      retriedAway.push(gone);
      stack.stub.script(queue.name, [{ hang: true }]);
      expect((await opsFetch(bridge.url, `/queues/${queue.name}/jobs/${gone}/retry`, { method: 'POST' })).status).toBe(200);
    });
    expect(seen).toEqual(newestFirst);
  });
});

describe('GET /ops/queues/:name/jobs/:id', () => {
  it('a job that fails twice then succeeds shows its data, options, return value and three attempts with statuses', async () => {
    const queue = await registerQueue('trail');
    stack.stub.script(queue.name, [{ status: 503 }, { status: 500, body: { error: 'db down' } }, { body: { success: true, result: { sent: true } } }]);
    const job = await queue.add('welcome', { to: 'ada@example.com' }, { attempts: 3 });
    await finishedJobs(queue, [job.id!]);

    const { status, body } = await opsFetch(bridge.url, `/queues/${queue.name}/jobs/${job.id}`, { token: OPS_READ_TOKEN });

    expect(status).toBe(200);
    expect(body).toMatchObject({ id: job.id, name: 'welcome', state: 'completed', attemptsMade: 3, data: { to: 'ada@example.com' }, returnvalue: { sent: true } });
    expect(body.opts).toMatchObject({ attempts: 3 });
    expect(body.attempts.map((a: { attempt: number; outcome: string; status?: number }) => [a.attempt, a.outcome, a.status])).toEqual([
      [1, 'failed_retryable', 503],
      [2, 'failed_retryable', 500],
      [3, 'completed', undefined],
    ]);
    for (const attempt of body.attempts) {
      expect(attempt).toMatchObject({ bridgeId: 'ops-read-bridge', durationMs: expect.any(Number), at: expect.any(String) });
    }
    expect(body.attempts[1].error).toContain('500');
    expect(body.attempts[2].error).toBeUndefined();
  });
});
