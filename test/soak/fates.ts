// What each soak job does, decided by the seed in its data alone: the feature stub answers by it,
// and the reconciliation predicts from it how the job must end.

import { between, pickWeighted, seededRandom } from './random.ts';

export const FATES = ['succeed', 'slow', 'flaky', 'fail', 'reject', 'timeout', 'throttle', 'poison'] as const;
export type FateKind = (typeof FATES)[number];

/**
 * Shares of the jobs. 429s hold a whole queue off for Retry-After, so they stay rare. Poison jobs
 * can never be dispatched (producer.ts makes them so): the bridge must fail them before any call.
 */
const FATE_WEIGHTS: Record<FateKind, number> = { succeed: 55, slow: 12, flaky: 14, fail: 6, reject: 6, timeout: 5, throttle: 2, poison: 2 };
/** How a poison job's failedReason must start: the bridge names the rule it broke. */
export const POISON_REASON = 'job cannot be dispatched: ';
const RETRY_AFTER_SECONDS = '1';
const MIN_SLOW_MS = 100;
/** Well under the shortest queue timeout (plan.ts). */
const MAX_SLOW_MS = 1_000;

export interface Fate {
  kind: FateKind;
  /** Attempts that fail (flaky) or outlast the queue's timeout (timeout) before one succeeds. */
  failures: number;
  /** 429s answered before the real attempt (throttle). */
  throttles: number;
  /** How long a slow answer takes. */
  slowMs: number;
}

export const fateOf = (seed: number): Fate => {
  const random = seededRandom(seed);
  const kind = pickWeighted(random, FATE_WEIGHTS);
  return {
    kind,
    failures: kind === 'flaky' ? between(random, 1, 3) : kind === 'timeout' ? 1 : 0,
    throttles: kind === 'throttle' ? between(random, 1, 2) : 0,
    slowMs: kind === 'slow' ? between(random, MIN_SLOW_MS, MAX_SLOW_MS) : 0,
  };
};

export interface ExpectedEnd {
  state: 'completed' | 'failed';
  /** BullMQ counts every finished attempt, the last one included; stalls and throttles count none. */
  attemptsMade: number;
  /** Feature calls the job needs: one per attempt, plus each 429. */
  calls: number;
}

/** How a job of this fate ends when it may be attempted `attempts` times. */
export const expectedEnd = (fate: Fate, attempts: number): ExpectedEnd => {
  switch (fate.kind) {
    case 'fail':
      return { state: 'failed', attemptsMade: attempts, calls: attempts };
    case 'reject':
      return { state: 'failed', attemptsMade: 1, calls: 1 };
    case 'poison':
      return { state: 'failed', attemptsMade: 1, calls: 0 };
    case 'flaky':
    case 'timeout':
      return fate.failures < attempts
        ? { state: 'completed', attemptsMade: fate.failures + 1, calls: fate.failures + 1 }
        : { state: 'failed', attemptsMade: attempts, calls: attempts };
    default:
      return { state: 'completed', attemptsMade: 1, calls: 1 + fate.throttles };
  }
};

export type Answer = { hang: true } | { hang?: false; status: number; body: unknown; headers?: Record<string, string>; delayMs?: number };

/** The feature's answer to one call, from the attempt BullMQ is on and the 429s already sent. */
export const answerFor = (seed: number, fate: Fate, attemptsMade: number, throttlesSent: number): Answer => {
  if (throttlesSent < fate.throttles) return { status: 429, body: { error: 'slow down' }, headers: { 'Retry-After': RETRY_AFTER_SECONDS } };
  if (fate.kind === 'poison') return { status: 500, body: { error: 'a poison job reached the feature' } };
  if (fate.kind === 'reject') return { status: 400, body: { error: 'rejected: bad input' } };
  if (fate.kind === 'fail') return { status: 500, body: { error: 'always fails' } };
  if (fate.kind === 'flaky' && attemptsMade < fate.failures) return { status: 200, body: { success: false, error: `flaky ${attemptsMade + 1}` } };
  if (fate.kind === 'timeout' && attemptsMade < fate.failures) return { hang: true };
  return { status: 200, body: { success: true, result: { seed } }, delayMs: fate.slowMs };
};
