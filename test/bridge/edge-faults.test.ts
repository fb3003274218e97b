// The edge misbehaving for a while — answering 500, answering garbage, not answering at all, or
// answering slowly — is never the job's fault: the bridge holds the queue off and tries again, and
// once the edge behaves every job completes having been charged only its one real attempt.
// The issue says "for a minute"; each fault here lasts a few seconds, which already makes each
// waiting job meet the fault several times (hold-offs start at 250 ms and cap at 5 s, so a minute
// would only repeat the same loop), and keeps the file fast.

import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { FaultyEdge, type EdgeFault } from '../support/faulty-edge.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { teardown } from '../support/teardown.ts';
import { sleep } from '../support/wait.ts';

const FAULT_MS = 4_000;
const JOBS = 6;
/** Hold-offs of 250 ms doubling: a 4 s fault sees at least this many tries. */
const MIN_TRIES = 3;
/** With the registration's 1 s timeout the bridge gives up on a silent edge after 8 s. */
const REGISTRATION = { concurrency: 2, timeoutMs: 1_000 };

let stack: TestStack;
let faulty: FaultyEdge;
let bridge: Bridge;
let queue: Queue;

beforeAll(async () => {
  stack = await TestStack.start();
  faulty = await FaultyEdge.start(stack.edge.url);
  queue = new Queue(await stack.register('edge-faults', REGISTRATION), { connection: stack.connection });
  bridge = await startBridge(bridgeEnv(faulty.url, stack.redis.port));
});

afterAll(() =>
  teardown(
    () => bridge?.close(),
    () => queue?.close(),
    () => faulty?.close(),
    () => stack?.close(),
  ),
);

it.each<EdgeFault>(['error-500', 'garbage', 'hang', 'slow'])('edge %s for a while: every job completes, charged one attempt, the feature called once each', async (fault) => {
  stack.stub.resetStats(queue.name);
  faulty.fault = fault;
  const dispatchesBefore = faulty.dispatches;
  const added = await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: fault, data: { i } })));
  await sleep(FAULT_MS);
  faulty.fault = 'none';

  const jobs = await finishedJobs(queue, added.map((job) => job.id!), 30_000);
  expect(jobs.map((job) => job.finishedOn && !job.failedReason)).toEqual(Array(JOBS).fill(true));
  expect(jobs.map((job) => job.attemptsMade)).toEqual(Array(JOBS).fill(1));
  const calls = stack.stub.requests(queue.name).map((r) => r.body as { jobId: string; attemptsMade: number });
  expect(calls.map((c) => c.jobId).sort()).toEqual(added.map((job) => job.id).sort());
  expect(calls.every((c) => c.attemptsMade === 0)).toBe(true);
  if (fault === 'error-500' || fault === 'garbage') {
    // The bridge kept trying through the fault (each try a batch of the queue's jobs), charging nothing.
    expect(faulty.dispatches - dispatchesBefore).toBeGreaterThanOrEqual(MIN_TRIES);
  }
});
