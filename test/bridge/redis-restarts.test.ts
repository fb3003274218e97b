// Redis going away and coming back, again and again, while the bridge runs: BullMQ workers are
// known to go silent after some reconnects (a blocking connection that never wakes up again), so
// after every restart a fresh job must be picked up by the same, never-restarted workers. Redis
// keeps its data (appendonly), so jobs in flight across a graceful restart finish exactly once.

import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { EdgeServer } from '../support/edge.ts';
import { FeatureStub } from '../support/feature-stub.ts';
import { RedisServer } from '../support/redis.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { finishedJobs } from '../support/stack.ts';
import { teardown } from '../support/teardown.ts';
import { sleep, waitFor } from '../support/wait.ts';

const ROUNDS = 4;
/** The last round keeps Redis away longer than BullMQ's blocking wait (drainDelay, 5 s). */
const LONG_OUTAGE_MS = 6_000;
const IN_FLIGHT = 3;
const AFTER_RESTART = 5;
const SLOW_CALL_MS = 1_500;
/** Longer than any outage here, so a job in flight keeps its lock and is not run twice. */
const LOCK_MS = '10000';

let redis: RedisServer;
let edge: EdgeServer;
let stub: FeatureStub;
let connection: Redis;
let queue: Queue;
let bridge: Bridge;
const redisUps: boolean[] = [];
let workerStarts = 0;

beforeAll(async () => {
  [redis, edge, stub] = await Promise.all([
    RedisServer.start({ persistent: true }),
    EdgeServer.start(),
    FeatureStub.start({ signingSecret: EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET }),
  ]);
  connection = redis.client();
  connection.on('error', () => {}); // the test's own client reconnects like the bridge's
  const name = `restarts-${Date.now().toString(36)}`;
  await edge.putRegistration(name, { endpoint: stub.url, concurrency: 4, timeoutMs: 5_000 });
  stub.script(name, (request) => ((request.body as { data: { slow?: boolean } }).data.slow ? { delayMs: SLOW_CALL_MS } : {}));
  queue = new Queue(name, { connection });
  queue.on('error', () => {});
  bridge = await startBridge(bridgeEnv(edge.url, redis.port, { BRIDGE_LOCK_DURATION_MS: LOCK_MS }));
  bridge.on('redis:status', ({ up }) => redisUps.push(up));
  bridge.on('worker:started', () => workerStarts++);
  await waitFor(async () => (await bridge.status()).workers.some((w) => w.queue === name && w.running), { what: 'the worker' });
});

afterAll(() =>
  teardown(
    () => bridge?.close(),
    () => queue?.close(),
    () => connection?.disconnect(),
    () => Promise.all([edge?.close(), stub?.close(), redis?.close()]),
  ),
);

const addJobs = async (count: number, data: Record<string, unknown>): Promise<string[]> =>
  (await queue.addBulk(Array.from({ length: count }, (_, i) => ({ name: 'job', data: { ...data, i } })))).map((job) => job.id!);

const callsFor = (ids: string[]): number => stub.requests(queue.name).filter((r) => ids.includes((r.body as { jobId: string }).jobId)).length;

it(`Redis restarted ${ROUNDS} times, gracefully with jobs in flight and killed while the worker idles (once for ${LONG_OUTAGE_MS / 1000} s): jobs added after each restart complete on the same workers`, async () => {
  for (let round = 1; round <= ROUNDS; round++) {
    const graceful = round % 2 === 1;
    let inFlight: string[] = [];
    if (graceful) {
      inFlight = await addJobs(IN_FLIGHT, { round, slow: true });
      await waitFor(() => callsFor(inFlight) === IN_FLIGHT, { what: `round ${round}: calls in flight` });
      await redis.stop('SIGTERM');
    } else {
      // Idle: the worker sits in a blocking Redis call, the case that goes silent.
      await waitFor(async () => (await queue.getActiveCount()) === 0, { what: `round ${round}: an idle worker` });
      await redis.stop('SIGKILL');
    }
    if (round === ROUNDS) await sleep(LONG_OUTAGE_MS);
    await redis.restart();

    const after = await addJobs(AFTER_RESTART, { round });
    const jobs = await finishedJobs(queue, [...inFlight, ...after], 20_000);
    expect(jobs.map((job) => [job.data.round, job.failedReason, job.attemptsMade])).toEqual(jobs.map(() => [round, undefined, 1]));
    expect(callsFor([...inFlight, ...after])).toBe(IN_FLIGHT * Number(graceful) + AFTER_RESTART);
  }
  expect(workerStarts).toBe(0);
  expect(redisUps.filter((up) => !up)).toHaveLength(ROUNDS);
  expect(redisUps.at(-1)).toBe(true);
});
