// Outcome mapping end to end: plain BullMQ producer → Redis → bridge → real edge (workerd) →
// feature stub, and back into BullMQ's bookkeeping.

import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import type { BridgeWorkerStatus, RegistrationInput } from '../../src/protocol.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const RETRY: RegistrationInput['retry'] = { attempts: 3, backoff: { type: 'exponential', delayMs: 300, maxDelayMs: 5_000, jitter: 0 } };

let stack: TestStack;
let bridge: Bridge;

beforeAll(async () => {
  stack = await TestStack.start();
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port));
});

afterAll(async () => {
  await bridge?.close();
  await stack?.close();
});

/** A fresh queue registered at the edge, once this bridge runs a worker for it. */
const registerQueue = (label: string, input: RegistrationInput = {}): Promise<Queue> => stack.registerRunning(label, { retry: RETRY, ...input }, bridge);

const runOne = async (queue: Queue, data: unknown) => {
  const added = await queue.add('job', data);
  const [job] = await finishedJobs(queue, [added.id!]);
  return { job, state: await job.getState(), requests: stack.stub.requests(queue.name) };
};

describe('outcome mapping', () => {
  it('a plain Queue.add job reaches the feature with the seed body (plus its BullMQ name) and a valid signature, and completes with its result', async () => {
    const queue = await registerQueue('email');
    stack.stub.script(queue.name, [{ body: { success: true, result: { messageId: 'm-1' } } }]);

    const { job, state, requests } = await runOne(queue, { to: 'ada@example.com' });

    expect(state).toBe('completed');
    expect(job.returnvalue).toEqual({ messageId: 'm-1' });
    expect(requests).toHaveLength(1);
    expect(requests[0].signatureValid).toBe(true);
    expect(requests[0].body).toEqual({ jobId: job.id, queueName: queue.name, data: { to: 'ada@example.com' }, attemptsMade: 0, name: job.name });
    expect(requests[0].headers['idempotency-key']).toBe(`${queue.name}:${job.id}`);
  });

  it('fails twice then succeeds: retried with the registration backoff, gaps growing', async () => {
    const queue = await registerQueue('retry');
    stack.stub.script(queue.name, [{ status: 500 }, { status: 500 }, { body: { success: true, result: 'third time' } }]);

    const { job, state, requests } = await runOne(queue, { n: 1 });

    expect(state).toBe('completed');
    expect(job.returnvalue).toBe('third time');
    // Each call carries the failures so far; BullMQ then counts the successful attempt as well.
    expect(requests.map((r) => (r.body as { attemptsMade: number }).attemptsMade)).toEqual([0, 1, 2]);
    expect(job.attemptsMade).toBe(3);
    const [first, second, third] = requests.map((r) => r.receivedAt);
    expect(second - first).toBeGreaterThanOrEqual(300);
    expect(third - second).toBeGreaterThanOrEqual(600);
    expect(third - second).toBeGreaterThan(second - first);
  });

  it('always fails: ends in the failed set with the last error after the registration attempts', async () => {
    const queue = await registerQueue('doomed', { retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 100, maxDelayMs: 100, jitter: 0 } } });
    stack.stub.script(queue.name, (_request, index) => ({ body: { success: false, error: `smtp refused #${index + 1}` } }));

    const { job, state, requests } = await runOne(queue, {});

    expect(state).toBe('failed');
    expect(requests).toHaveLength(3);
    expect(job.attemptsMade).toBe(3);
    expect(job.failedReason).toContain('smtp refused #3');
    expect((await queue.getFailed()).map((j) => j.id)).toContain(job.id);
  });

  it('a 400 fails the job after exactly one attempt, with the feature message as failedReason', async () => {
    const queue = await registerQueue('invalid');
    stack.stub.script(queue.name, [{ status: 400, body: { error: 'to: must be an email address' } }]);

    const { job, state, requests } = await runOne(queue, { to: 'nope' });

    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(requests).toHaveLength(1);
    expect(job.failedReason).toContain('to: must be an email address');
  });
});

describe('heartbeat', () => {
  it('reaches the edge: its status lists this bridge with its workers and counts', async () => {
    const queue = await registerQueue('beat');
    await runOne(queue, {});

    const bridgeSeen = await waitFor(
      async () => {
        const response = await fetch(`${stack.edge.url}/internal/status`, { headers: { authorization: `Bearer ${stack.edge.adminToken}` } });
        const status = (await response.json()) as { bridges: { bridges: { bridgeId: string; stale: boolean; workers: BridgeWorkerStatus[] }[] } };
        const seen = status.bridges.bridges.find((b) => b.bridgeId === bridge.config.bridgeId);
        return seen?.workers.find((w) => w.queue === queue.name)?.counts?.completed === 1 ? seen : undefined;
      },
      { timeoutMs: 10_000, what: 'a heartbeat with the new queue' },
    );
    expect(bridgeSeen.stale).toBe(false);
  });
});

describe('HTTP surface', () => {
  it('GET /health reports redis and the edge with latencies', async () => {
    const response = await fetch(`${bridge.url}/health`);
    const body = await response.json();

    expect(response.status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', uptime: expect.any(Number) });
    expect(body.dependencies).toEqual([
      expect.objectContaining({ name: 'redis', status: 'up', latencyMs: expect.any(Number) }),
      expect.objectContaining({ name: 'edge', status: 'up', latencyMs: expect.any(Number) }),
    ]);
  });

  it('GET /internal/status lists each worker with its counts', async () => {
    const queue = await registerQueue('status', { concurrency: 4 });
    await runOne(queue, {});

    const body = await (await fetch(`${bridge.url}/internal/status`)).json();

    expect(body.workers).toContainEqual({
      queue: queue.name,
      running: true,
      concurrency: 4,
      counts: { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 1 },
    });
  });
});
