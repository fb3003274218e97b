// Reads every expected job back from Redis and holds it against its seed: the state and attempt
// count it must end with, the feature calls it needed (more only if a fault interrupted it), and
// whether it is still somewhere it should not be. Jobs Redis holds that nobody expected count too.

import type { Redis } from 'ioredis';
import { FATES, POISON_REASON, type FateKind } from './fates.ts';
import type { QueuePlan } from './plan.ts';
import type { ExpectedJob } from './producer.ts';
import { countJobs, PREFIX } from './queue-counts.ts';
import type { SoakFeature } from './soak-feature.ts';

const BATCH = 500;
const EXAMPLES_KEPT = 10;
const FIELDS = ['finishedOn', 'atm', 'stc', 'data', 'returnvalue', 'timestamp', 'delay', 'failedReason'] as const;

export interface FateTally {
  expected: number;
  completed: number;
  failed: number;
  asSeedSays: number;
  wrong: number;
  lost: number;
  stuck: number;
  /** Feature calls beyond the fate's, on jobs a fault interrupted. */
  extraInterrupted: number;
  /** Feature calls beyond the fate's, on jobs nothing interrupted: duplicates with no excuse. */
  extraUnexplained: number;
  /** Enqueue (or end of delay) → finished, ms. */
  latencies: number[];
}

export interface Reconciliation {
  fates: Map<FateKind, FateTally>;
  total: FateTally;
  /** Jobs left in wait/active/delayed/prioritized/paused lists, whoever they belong to. */
  unfinishedInRedis: number;
  /** Finished jobs in Redis that no add produced (a dedup that did not, a job run twice as two). */
  unexpected: number;
  stalledOnce: number;
  stalledMore: number;
  /** Finished jobs per queue whose attempt count is not the one their seed dictates. */
  attemptsOffByQueue: Map<string, number>;
  /** Finished jobs per queue not ended as their seed dictates. */
  wrongByQueue: Map<string, number>;
  firstAddedAt: number;
  lastFinishedAt: number;
  examples: string[];
}

const emptyTally = (): FateTally => ({
  expected: 0,
  completed: 0,
  failed: 0,
  asSeedSays: 0,
  wrong: 0,
  lost: 0,
  stuck: 0,
  extraInterrupted: 0,
  extraUnexplained: 0,
  latencies: [],
});

const parse = (text: string | null): unknown => {
  try {
    return text === null ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};

const seedIn = (value: unknown): number | undefined => (value as { seed?: number } | undefined)?.seed;

export interface ReconcileInput {
  redis: Redis;
  expected: Map<string, ExpectedJob>;
  feature: SoakFeature;
  /** Jobs a kill or restart may have interrupted. */
  interrupted: Set<string>;
  queues: QueuePlan[];
  /** For times in the examples, matching the fault table's. */
  startedAt: number;
}

export const reconcile = async ({ redis, expected, feature, interrupted, queues, startedAt }: ReconcileInput): Promise<Reconciliation> => {
  const fates = new Map(FATES.map((fate) => [fate, emptyTally()]));
  const result: Reconciliation = {
    fates,
    total: emptyTally(),
    unfinishedInRedis: 0,
    unexpected: 0,
    stalledOnce: 0,
    stalledMore: 0,
    attemptsOffByQueue: new Map(),
    wrongByQueue: new Map(),
    firstAddedAt: Number.POSITIVE_INFINITY,
    lastFinishedAt: 0,
    examples: [],
  };
  const note = (example: string) => result.examples.length < EXAMPLES_KEPT && result.examples.push(example);
  let finishedExpected = 0;

  const jobs = [...expected.entries()];
  for (let start = 0; start < jobs.length; start += BATCH) {
    const batch = jobs.slice(start, start + BATCH);
    const pipeline = redis.pipeline();
    for (const [, job] of batch) {
      const base = `${PREFIX}:${job.queue.name}`;
      pipeline.hmget(`${base}:${job.id}`, ...FIELDS);
      pipeline.zscore(`${base}:completed`, job.id);
      pipeline.zscore(`${base}:failed`, job.id);
    }
    const replies = (await pipeline.exec()) ?? [];
    batch.forEach(([key, job], i) => {
      const [hash, completedScore, failedScore] = [0, 1, 2].map((offset) => replies[i * 3 + offset][1]);
      const [finishedOn, atm, stc, data, returnvalue, timestamp, delay, failedReason] = hash as (string | null)[];
      const tally = fates.get(job.fate.kind)!;
      const tallies = [tally, result.total];
      const count = (field: keyof Omit<FateTally, 'latencies'>, by = 1) => tallies.forEach((t) => (t[field] += by));
      count('expected');
      const stalls = Number(stc ?? 0);
      if (stalls === 1) result.stalledOnce++;
      if (stalls > 1) result.stalledMore++;
      const state = completedScore !== null ? 'completed' : failedScore !== null ? 'failed' : data === null ? 'lost' : 'stuck';
      if (state === 'lost' || state === 'stuck') {
        count(state);
        note(`${key} (${job.fate.kind}) ${state}`);
        return;
      }
      finishedExpected++;
      count(state);
      const readyAt = Number(timestamp) + Number(delay ?? 0);
      result.firstAddedAt = Math.min(result.firstAddedAt, Number(timestamp));
      result.lastFinishedAt = Math.max(result.lastFinishedAt, Number(finishedOn));
      tallies.forEach((t) => t.latencies.push(Number(finishedOn) - readyAt));

      if (Number(atm) !== job.end.attemptsMade) result.attemptsOffByQueue.set(job.queue.name, (result.attemptsOffByQueue.get(job.queue.name) ?? 0) + 1);
      const arrivals = feature.callsOf(job.queue.name, job.id);
      const calls = arrivals.length;
      const extra = calls - job.end.calls;
      const right =
        state === job.end.state &&
        Number(atm) === job.end.attemptsMade &&
        seedIn(parse(data)) === job.seed &&
        (state === 'failed' || seedIn(parse(returnvalue)) === job.seed) &&
        (job.fate.kind !== 'poison' || failedReason?.startsWith(POISON_REASON) === true) &&
        extra >= 0;
      if (right) count('asSeedSays');
      else {
        count('wrong');
        result.wrongByQueue.set(job.queue.name, (result.wrongByQueue.get(job.queue.name) ?? 0) + 1);
        const want = `${job.end.state}/${job.end.attemptsMade} in ${job.end.calls} calls`;
        const faulted = interrupted.has(key) ? ', interrupted by a fault' : '';
        note(`${key} (${job.fate.kind}, seed ${job.seed}) wanted ${want}, got ${state}/${atm} in ${calls} calls, stalls ${stalls}${faulted}${failedReason ? `: ${failedReason}` : ''}`);
      }
      if (extra > 0 && interrupted.has(key)) count('extraInterrupted', extra);
      else if (extra > 0) {
        count('extraUnexplained', extra);
        const at = arrivals.map((time) => `${((time - startedAt) / 1000).toFixed(1)} s`).join(', ');
        note(`${key} (${job.fate.kind}) called ${extra} more time(s) than its fate needs, and no fault interrupted it (stalls ${stalls}; calls at ${at})`);
      }
    });
  }

  const counts = await countJobs(redis, queues);
  result.unfinishedInRedis = counts.unfinished;
  result.unexpected = counts.finished - finishedExpected;
  for (const tally of [...fates.values(), result.total]) tally.latencies.sort((a, b) => a - b);
  return result;
};
