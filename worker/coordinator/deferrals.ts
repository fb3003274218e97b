// An async queue's attempts that the feature took with a 202 and reports by callback. One row per
// deferred job (long jobs: a row is cheap next to a minute of GPU), kept by the coordinator so an
// edge deploy keeps them. Each holds its queue's slot until its callback or its deadline; exactly
// one completion counts. A settled row is kept a while so that a redispatch of the same attempt (a
// bridge that died before it learned the outcome) gets that outcome, never a second feature call.

import type { FailedOutcome, JobCallback, JsonValue } from '../../src/protocol.ts';

/** How a deferred attempt ended; the result is JSON from the callback's body (typed so for RPC). */
export type SettledOutcome = { outcome: 'completed'; result: JsonValue; durationMs: number } | FailedOutcome;
import type { JobAttempt, ReleaseReport } from './types.ts';

/** A settled attempt is remembered this long past its deadline, for redispatches. */
export const SETTLED_MEMORY_MS = 60 * 60 * 1000;
/** How often a bridge waiting on a deferred attempt asks again, at most. */
export const DEFERRED_POLL_MS = { min: 1_000, max: 10_000 };

export interface Deferral extends JobAttempt {
  /** Epoch ms the feature call started. */
  startedAt: number;
  /** Epoch ms: the attempt fails (retryable) without a callback by then. */
  deadline: number;
  /** Set once, by the callback or the deadline. */
  outcome?: SettledOutcome;
}

export type DeferralAnswer = { status: 'deferred'; deadlineMs: number; retryAfterMs: number } | { status: 'settled'; outcome: SettledOutcome };

export type SettleResult = { status: 'settled'; outcome: SettledOutcome } | { status: 'conflict'; message: string } | { status: 'unknown' };

const timedOut = (timeoutMs: number): SettledOutcome => ({
  outcome: 'failed',
  retryable: true,
  error: { message: `no completion callback within ${timeoutMs} ms` },
  durationMs: timeoutMs,
});

export const callbackOutcome = (callback: JobCallback, durationMs: number): SettledOutcome =>
  callback.success
    ? { outcome: 'completed', result: (callback.result ?? null) as JsonValue, durationMs }
    : {
        outcome: 'failed',
        retryable: callback.retryable !== false,
        error: { message: typeof callback.error === 'string' && callback.error ? callback.error : JSON.stringify(callback.error ?? 'feature reported failure') },
        durationMs,
      };

/** How a settled attempt is counted in the queue's figures. */
export const settledReport = (jobId: string, outcome: SettledOutcome): ReleaseReport => {
  if (outcome.outcome === 'completed') return { kind: 'completed', durationMs: outcome.durationMs, jobId };
  return { kind: outcome.retryable ? 'failed_retryable' : 'failed_final', durationMs: outcome.durationMs, jobId, error: outcome.error };
};

export interface DeferralsOptions {
  rows: Deferral[];
  persist: (deferral: Deferral) => void;
  forget: (jobId: string) => void;
  /** Told each settlement once (callback, deadline or cancel), for the queue's figures. */
  onSettled: (jobId: string, outcome: SettledOutcome) => void;
  now?: () => number;
}

export class Deferrals {
  readonly #byJob = new Map<string, Deferral>();
  readonly #persist: (deferral: Deferral) => void;
  readonly #forget: (jobId: string) => void;
  readonly #onSettled: (jobId: string, outcome: SettledOutcome) => void;
  readonly #now: () => number;

  constructor({ rows, persist, forget, onSettled, now = Date.now }: DeferralsOptions) {
    this.#onSettled = onSettled;
    this.#persist = persist;
    this.#forget = forget;
    this.#now = now;
    for (const row of rows) this.#byJob.set(row.jobId, row);
  }

  /** Attempts waiting for their callback, before their deadline: each holds a slot. */
  get held(): number {
    const now = this.#now();
    let held = 0;
    for (const deferral of this.#byJob.values()) if (!deferral.outcome && deferral.deadline > now) held++;
    return held;
  }

  /** Records a 202: the attempt now waits for its callback until `deadline`. */
  defer(attempt: JobAttempt, startedAt: number, deadline: number): void {
    const deferral = { jobId: attempt.jobId, attemptsMade: attempt.attemptsMade, startedAt, deadline };
    this.#byJob.set(attempt.jobId, deferral);
    this.#persist(deferral);
  }

  /** For a dispatch of `attempt`: undefined unless it was deferred; else still waiting, or how it ended. */
  answer(attempt: JobAttempt, timeoutMs: number): DeferralAnswer | undefined {
    const deferral = this.#byJob.get(attempt.jobId);
    if (!deferral || deferral.attemptsMade !== attempt.attemptsMade) return undefined;
    const now = this.#now();
    if (!deferral.outcome && deferral.deadline <= now) this.#settle(deferral, timedOut(timeoutMs));
    if (deferral.outcome) return { status: 'settled', outcome: deferral.outcome };
    // Asked again after a quarter of the time run so far: a callback waits at most that long to be
    // learned, and a long job costs one call per DEFERRED_POLL_MS.max.
    const wait = Math.max(DEFERRED_POLL_MS.min, Math.min(DEFERRED_POLL_MS.max, (now - deferral.startedAt) / 4, deferral.deadline - now));
    return { status: 'deferred', deadlineMs: deferral.deadline, retryAfterMs: Math.round(wait) };
  }

  /** A callback for `jobId`'s attempt `attempt` (1-based): counts once, before the deadline, for the attempt deferred. */
  settle(jobId: string, attempt: number, callback: JobCallback): SettleResult {
    const deferral = this.#byJob.get(jobId);
    if (!deferral) return { status: 'unknown' };
    if (deferral.attemptsMade + 1 !== attempt) return { status: 'conflict', message: `attempt ${attempt} is not the deferred attempt (${deferral.attemptsMade + 1})` };
    if (deferral.outcome) return { status: 'conflict', message: 'this attempt is already complete' };
    const now = this.#now();
    if (deferral.deadline <= now) return { status: 'conflict', message: 'the attempt is past its deadline' };
    const outcome = callbackOutcome(callback, now - deferral.startedAt);
    this.#settle(deferral, outcome);
    return { status: 'settled', outcome };
  }

  /** An operator's cancel: a waiting attempt of `jobId` ends now, so its slot frees and a later callback is 409. */
  cancel(jobId: string, message: string): void {
    const deferral = this.#byJob.get(jobId);
    if (!deferral || deferral.outcome || deferral.deadline <= this.#now()) return;
    this.#settle(deferral, { outcome: 'failed', retryable: false, error: { message }, durationMs: this.#now() - deferral.startedAt });
  }

  /** Drops rows settled or expired long enough ago; from the coordinator's alarm. */
  purge(): void {
    const now = this.#now();
    for (const [jobId, deferral] of this.#byJob) {
      if (deferral.deadline + SETTLED_MEMORY_MS > now) continue;
      this.#byJob.delete(jobId);
      this.#forget(jobId);
    }
  }

  /** When the oldest row may be purged; null without rows. */
  get nextPurgeAt(): number | null {
    let soonest = Number.POSITIVE_INFINITY;
    for (const deferral of this.#byJob.values()) soonest = Math.min(soonest, deferral.deadline + SETTLED_MEMORY_MS);
    return Number.isFinite(soonest) ? soonest : null;
  }

  #settle(deferral: Deferral, outcome: SettledOutcome): void {
    deferral.outcome = outcome;
    this.#persist(deferral);
    this.#onSettled(deferral.jobId, outcome);
  }
}
