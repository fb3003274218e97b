// Real `node bridge/main.ts` processes: two replicas sharing a global limit, a crash (SIGKILL), a
// graceful stop (SIGTERM) and Redis missing at start. Every bridge here syncs every registration of
// this file's edge, so each test uses its own queue and stops its bridges before the next one.

import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { RegistrationInput } from '../../src/protocol.ts';
import { BridgeProcess, bridgeEnv, type Env } from '../support/bridge.ts';
import { freePort } from '../../scripts/free-port.ts';
import { RedisServer } from '../support/redis.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

let stack: TestStack;
const bridges: BridgeProcess[] = [];
const queues: Queue[] = [];

beforeAll(async () => {
  stack = await TestStack.start();
});

afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.stop()));
});

afterAll(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  await stack?.close();
});

const spawnBridge = async (env: Env = {}): Promise<BridgeProcess> => {
  const bridge = await BridgeProcess.start(bridgeEnv(stack.edge.url, stack.redis.port, env));
  bridges.push(bridge);
  return bridge;
};

const registerQueue = async (label: string, input: RegistrationInput = {}): Promise<Queue> => {
  const queue = new Queue(await stack.register(label, input), { connection: stack.connection });
  queues.push(queue);
  return queue;
};

const jobState = async (queue: Queue, id: string) => (await Job.fromId(queue, id))?.getState();

it('concurrency 2 across two bridge processes whose workers allow 10 each: never more than 2 in flight, nothing charged for throttling', async () => {
  // A short timeout keeps the edge's first retry-after estimates (timeoutMs / 2 per round ahead) short.
  const queue = await registerQueue('global', { concurrency: 2, timeoutMs: 1_000 });
  stack.stub.script(queue.name, [{ delayMs: 250 }]);
  await Promise.all([spawnBridge({ BRIDGE_ID: 'replica-a', BRIDGE_WORKER_CONCURRENCY: '10' }), spawnBridge({ BRIDGE_ID: 'replica-b', BRIDGE_WORKER_CONCURRENCY: '10' })]);

  const added = await queue.addBulk(Array.from({ length: 24 }, (_, i) => ({ name: 'burst', data: { i } })));
  const jobs = await finishedJobs(queue, added.map((job) => job.id!), 40_000);

  expect(stack.stub.stats(queue.name).maxInFlight).toBe(2);
  expect(await Promise.all(jobs.map((job) => job.getState()))).toEqual(Array(24).fill('completed'));
  expect(new Set(jobs.map((job) => job.processedBy))).toEqual(new Set(['replica-a', 'replica-b']));
  // 24 × 250 ms through 2 slots outlasts the edge's 2 s wait, so some dispatches were throttled and
  // fetched again (attemptsStarted > 1) — yet each job was charged exactly its one real attempt.
  expect(jobs.some((job) => job.attemptsStarted > 1)).toBe(true);
  expect(jobs.map((job) => job.attemptsMade)).toEqual(Array(24).fill(1));
  expect(stack.stub.requests(queue.name).every((r) => (r.body as { attemptsMade: number }).attemptsMade === 0)).toBe(true);
});

it('bridge killed with SIGKILL mid-job: after a restart the job completes', async () => {
  const queue = await registerQueue('crash');
  // The first call outlives the bridge; whatever it answers never reaches BullMQ.
  stack.stub.script(queue.name, [{ delayMs: 1_500 }, { body: { success: true, result: 'after restart' } }]);
  const first = await spawnBridge();

  const job = await queue.add('mid-flight', {});
  await waitFor(() => stack.stub.requests(queue.name).length === 1, { what: 'the first call' });
  first.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');
  expect(await jobState(queue, job.id!)).toBe('active');

  await spawnBridge();
  await waitFor(async () => (await jobState(queue, job.id!)) === 'completed', { timeoutMs: 20_000, what: 'the job to complete after restart' });
  expect((await Job.fromId(queue, job.id!))?.returnvalue).toBe('after restart');
});

it('SIGTERM mid-job: that job finishes before the process exits', async () => {
  const queue = await registerQueue('drain');
  stack.stub.script(queue.name, [{ delayMs: 1_500, body: { success: true, result: 'drained' } }]);
  const bridge = await spawnBridge();

  const job = await queue.add('long', {});
  await waitFor(() => stack.stub.requests(queue.name).length === 1, { what: 'the call to start' });
  bridge.kill('SIGTERM');

  expect(await bridge.exited).toEqual({ code: 0, signal: null });
  const stored = await Job.fromId(queue, job.id!);
  expect(await stored?.getState()).toBe('completed');
  expect(stored?.returnvalue).toBe('drained');
  expect(stack.stub.requests(queue.name)).toHaveLength(1);
});

it('a second signal while draining exits at once, leaving the job for the stalled-job check', async () => {
  const queue = await registerQueue('force');
  stack.stub.script(queue.name, [{ delayMs: 4_000 }]);
  const bridge = await spawnBridge({ LOG_LEVEL: 'info' });

  const job = await queue.add('slow', {});
  await waitFor(() => stack.stub.requests(queue.name).length === 1, { what: 'the call to start' });
  bridge.kill('SIGTERM');
  await waitFor(() => bridge.output.includes('shutting down'), { what: 'the drain to begin' });
  const forcedAt = Date.now();
  bridge.kill('SIGINT');

  expect(await bridge.exited).toEqual({ code: 130, signal: null });
  expect(Date.now() - forcedAt).toBeLessThan(2_000);
  expect(await jobState(queue, job.id!)).toBe('active');
});

it('Redis unreachable at start: the bridge keeps running with /health 503 and recovers when Redis comes', async () => {
  const port = await freePort();
  const bridge = await BridgeProcess.start(bridgeEnv(stack.edge.url, port));
  bridges.push(bridge);

  const down = await fetch(`${bridge.url}/health`);
  expect(down.status).toBe(503);
  expect((await down.json()).dependencies[0]).toMatchObject({ name: 'redis', status: 'down' });

  const lateRedis = await RedisServer.start({ port });
  try {
    await waitFor(async () => (await fetch(`${bridge.url}/health`)).status === 200, { what: '/health 200 once Redis is up' });
    const lateConnection = lateRedis.client();
    const queue = await registerQueue('late');
    const lateQueue = new Queue(queue.name, { connection: lateConnection });
    const job = await lateQueue.add('after-redis', {});
    await waitFor(async () => (await jobState(lateQueue, job.id!)) === 'completed', { what: 'a job on the late Redis' });
    await lateQueue.close();
    lateConnection.disconnect();
  } finally {
    await bridge.stop();
    await lateRedis.close();
  }
});
