// GET /metrics end to end: plain BullMQ producer → Redis → bridge → real edge (workerd) → feature
// stub, then a scrape read by a real parser of the Prometheus text format.

import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import type { ErrorBody, RegistrationInput } from '../../src/protocol.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { Exposition } from '../support/prometheus.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import type { StubBehaviour } from '../support/feature-stub-types.ts';
import { waitFor } from '../support/wait.ts';

const READ_TOKEN = 'metrics-read-token-0123456789';
const ACT_TOKEN = 'metrics-act-token-0123456789';
const RETRY: RegistrationInput['retry'] = { attempts: 2, backoff: { type: 'fixed', delayMs: 100, maxDelayMs: 100, jitter: 0 } };
const FEATURE_DELAY_MS = 30;
/** Labels any queue_worker_* series may carry: nothing per job. */
const ALLOWED_LABELS = new Set(['queue', 'outcome', 'reason', 'state', 'le', 'bridge_id']);

let stack: TestStack;
let bridge: Bridge;
const queues: Queue[] = [];

beforeAll(async () => {
  stack = await TestStack.start();
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port, { OPS_READ_TOKEN: READ_TOKEN, OPS_TOKEN: ACT_TOKEN }));
});

afterAll(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  await bridge?.close();
  await stack?.close();
});

const scrapeResponse = (url: string, token?: string): Promise<Response> =>
  fetch(`${url}/metrics`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});

const scrape = async (): Promise<Exposition> => {
  const response = await scrapeResponse(bridge.url, READ_TOKEN);
  expect(response.status).toBe(200);
  return new Exposition(await response.text());
};

/** A fresh queue registered at the edge, once this bridge runs (or, paused, holds) it. */
const registerQueue = async (label: string, input: RegistrationInput = {}): Promise<Queue> => {
  const name = await stack.register(label, { retry: RETRY, ...input });
  await waitFor(async () => (await bridge.status()).workers.some((w) => w.queue === name && w.running === !input.paused), { what: `a runner for ${name}` });
  const queue = new Queue(name, { connection: stack.connection });
  queues.push(queue);
  return queue;
};

describe('GET /metrics', () => {
  it('answers 401 without a token or with a wrong one, 200 in the Prometheus text format with either ops token', async () => {
    const missing = await scrapeResponse(bridge.url);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as ErrorBody).error.code).toBe('unauthorized');
    expect((await scrapeResponse(bridge.url, 'not-the-token-0123456789')).status).toBe(401);

    for (const token of [READ_TOKEN, ACT_TOKEN]) {
      const response = await scrapeResponse(bridge.url, token);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const exposition = new Exposition(await response.text());
      expect(exposition.value('queue_worker_bridge_info', { bridge_id: bridge.config.bridgeId })).toBe(1);
      // Process metrics come along (collectDefaultMetrics).
      expect(exposition.family('process_cpu_seconds_total').type).toBe('COUNTER');
    }
  });

  it('answers 503 not_configured naming the setting when the bridge has no ops token', async () => {
    const bare = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port));
    try {
      const response = await scrapeResponse(bare.url, READ_TOKEN);
      expect(response.status).toBe(503);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe('not_configured');
      expect(body.error.message).toContain('OPS_READ_TOKEN');
      expect(body.error.message).not.toContain(READ_TOKEN);
    } finally {
      await bare.close();
    }
  });

  it('counts every try by outcome exactly, and times waits, feature calls and enqueue → finished once per job', async () => {
    const queue = await registerQueue('metered');
    const throttledOnce = new Set<string>();
    stack.stub.script(queue.name, (request): StubBehaviour => {
      const { jobId, data, attemptsMade } = request.body as { jobId: string; data: { kind: string }; attemptsMade: number };
      switch (data.kind) {
        case 'refused':
          return { body: { success: false, retryable: false, error: 'refused for good' } };
        case 'doomed':
          return { status: 500 };
        case 'flaky':
          return attemptsMade === 0 ? { status: 500 } : {};
        case 'throttle-once':
          if (throttledOnce.has(jobId)) return {};
          throttledOnce.add(jobId);
          return { status: 429, headers: { 'retry-after': '1' } };
        default:
          return { delayMs: FEATURE_DELAY_MS };
      }
    });
    const kinds = ['ok', 'ok', 'ok', 'ok', 'ok', 'refused', 'doomed', 'flaky', 'throttle-once'];
    const added = await queue.addBulk(kinds.map((kind) => ({ name: kind, data: { kind } })));
    const jobs = await finishedJobs(queue, added.map((job) => job.id!));
    const states = await Promise.all(jobs.map((job) => job.getState()));
    expect(states.filter((state) => state === 'failed')).toHaveLength(2);

    const exposition = await scrape();
    const tries = (outcome: string) => exposition.value('queue_worker_jobs_total', { queue: queue.name, outcome });
    // ok ×5, flaky's 2nd try, throttle-once's 2nd try | doomed's 1st, flaky's 1st | refused, doomed's 2nd (its last attempt).
    expect(tries('completed')).toBe(7);
    expect(tries('failed_retryable')).toBe(2);
    expect(tries('failed_final')).toBe(2);
    expect(tries('throttled')).toBe(1);
    expect(tries('edge_fault')).toBe(0);
    expect(tries('cancelled')).toBe(0);
    expect(exposition.value('queue_worker_throttles_total', { queue: queue.name, reason: 'feature' })).toBe(1);

    expect(exposition.family('queue_worker_job_wait_seconds').type).toBe('HISTOGRAM');
    const wait = exposition.histogram('queue_worker_job_wait_seconds', { queue: queue.name });
    const call = exposition.histogram('queue_worker_feature_call_seconds', { queue: queue.name });
    const latency = exposition.histogram('queue_worker_job_latency_seconds', { queue: queue.name });
    // Every job once, at its first try the feature answered.
    expect(wait.count).toBe(9);
    // Every try the feature answered: 7 completed + 4 failed; the 429 has no call duration.
    expect(call.count).toBe(11);
    // Every job once, when it finished for good: 7 completed + 2 in the failed set.
    expect(latency.count).toBe(9);
    // Seconds, not milliseconds: five calls of ≥ 30 ms, none near a minute.
    expect(call.sum).toBeGreaterThanOrEqual((5 * FEATURE_DELAY_MS) / 1000);
    expect(call.sum).toBeLessThan(11 * 5);
    // The throttled job waited out its 1 s hold-off before its answered try started, and finished later still.
    expect(wait.count - wait.atMost('1')).toBeGreaterThanOrEqual(1);
    expect(latency.count - latency.atMost('1')).toBeGreaterThanOrEqual(1);
    expect(latency.sum).toBeGreaterThanOrEqual(wait.sum);

    for (const [name, labels] of exposition.labelNames()) if (name.startsWith('queue_worker_')) for (const label of labels) expect(ALLOWED_LABELS).toContain(label);
  });

  it('reports depth by state as getJobCounts reads it, and the registration concurrency as the limit', async () => {
    const queue = await registerQueue('parked', { paused: true, concurrency: 3 });
    await queue.addBulk([1, 2, 3].map((n) => ({ name: 'parked', data: { n } })));
    await queue.add('later', {}, { delay: 60_000 });
    await queue.add('urgent', {}, { priority: 1 });

    const exposition = await scrape();
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
    const depth = (state: string) => exposition.value('queue_worker_queue_jobs', { queue: queue.name, state });
    expect(depth('waiting')).toBe(counts.waiting + counts.prioritized);
    expect(depth('waiting')).toBe(4);
    expect(depth('delayed')).toBe(counts.delayed);
    expect(depth('delayed')).toBe(1);
    expect(depth('active')).toBe(counts.active);
    expect(depth('failed')).toBe(counts.failed);
    expect(depth('completed')).toBe(counts.completed);
    expect(exposition.value('queue_worker_queue_concurrency_limit', { queue: queue.name })).toBe(3);
    // A queue with no try yet is exported from 0, so rate() sees its first job.
    expect(exposition.value('queue_worker_jobs_total', { queue: queue.name, outcome: 'completed' })).toBe(0);
  });
});
