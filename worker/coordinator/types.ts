// What the QueueCoordinator's RPC methods take and answer.

import type { FieldError, Registration, RegistrationDefaults, RegistrationInput } from '../../src/protocol.ts';
import type { DeferralAnswer } from './deferrals.ts';

/** One try of one job: a second dispatch of the same pair while the first runs is refused. */
export interface JobAttempt {
  jobId: string;
  attemptsMade: number;
}

/** The signed request a dispatch came in, remembered until `validUntil` (ms) so a replay is refused. */
export interface AcceptedSignature {
  /** The matching MAC, lowercase hex. */
  mac: string;
  validUntil: number;
}

/**
 * Aborts the feature call of `jobId` in the isolate that dispatched it (an operator's cancel). Passed
 * in `acquire`/`acquireMany` as a Workers RPC callback: it rides on the call that happens anyway and
 * costs nothing unless a cancel calls it.
 */
export type CancelCallback = (jobId: string) => void;

export interface AcquireRequest extends JobAttempt {
  /** How long the caller may wait in line for a slot before being told `throttled`. */
  maxWaitMs: number;
  /** Given on the first coordinator call of a signed request, not on the later calls of a batch. */
  signature?: AcceptedSignature;
  onCancel?: CancelCallback;
}

export interface SlotGrant {
  status: 'granted';
  leaseId: string;
  endpoint: string;
  path: string;
  timeoutMs: number;
  /** Present for an async queue: a 202 defers the attempt. */
  completion?: 'async';
}

/** The request's signature was already accepted: nothing of it may run. */
export type Replayed = { status: 'replayed' };

export type AcquireResult =
  | SlotGrant
  /** `in_flight`: the same job and attempt is being dispatched right now; `rate`: no start allowed before `retryAfterMs`. */
  | { status: 'throttled'; reason: 'busy' | 'paused' | 'in_flight' | 'rate'; retryAfterMs: number }
  | { status: 'unknown' }
  /** An async attempt already taken by the feature: no call, its state instead. */
  | DeferralAnswer
  | Replayed;

/** What a dispatch runs with once a replay is ruled out: a slot, or why there is none. */
export type SlotAnswer = Exclude<AcquireResult, Replayed>;

/** A batch's jobs past the rate: one answer for all of them, so none asks again. */
export type RateThrottled = { status: 'throttled'; reason: 'rate'; retryAfterMs: number };

/**
 * For a batch: slots for the first `grants.length` jobs; the others must `acquire` one by one, or,
 * when the rate stopped them (`rest`), are throttled as it says.
 */
export type AcquireManyResult =
  /** `known`: jobs whose attempt was deferred, by id (a Map: an id may be `constructor`), answered without a slot; `grants` count the others in order. */
  | { status: 'granted'; grants: SlotGrant[]; rest?: RateThrottled; known?: Map<string, DeferralAnswer> }
  | { status: 'throttled'; reason: 'paused'; retryAfterMs: number }
  | { status: 'unknown' }
  | Replayed;

export interface Release {
  leaseId: string;
  report: ReleaseReport;
}

export type ReleaseKind = 'completed' | 'failed_retryable' | 'failed_final' | 'throttled' | 'deferred';

export interface ReleaseReport {
  kind: ReleaseKind;
  durationMs: number;
  jobId: string;
  /** For `deferred`: the attempt, and until when its slot stays held. */
  deferred?: { attemptsMade: number; startedAt: number; deadline: number };
  error?: { message: string; status?: number };
}

export interface WriteRegistrationRequest {
  name: string;
  /** Already checked field by field by the Worker (checkRegistrationInput); only known fields. */
  input: RegistrationInput;
  /** `replace` (PUT) starts from the defaults; `merge` (PATCH) from the current registration. */
  mode: 'replace' | 'merge';
  ifMatch?: string;
  defaults: RegistrationDefaults;
}

export type WriteRegistrationResult =
  | { status: 200 | 201; registration: Registration }
  | { status: 400; errors: FieldError[] }
  | { status: 404 }
  | { status: 412; currentVersion: number | null }
  /** The KV copy could not be written; nothing changed. */
  | { status: 503 };

export type DeleteRegistrationResult = { status: 204 } | { status: 404 } | { status: 412; currentVersion: number } | { status: 503 };

export interface QueueStats {
  registration: Registration | null;
  inFlight: number;
  limit: number;
  waiting: number;
  /** The queue's `rateLimit` and the calls started in its current window; null without one. */
  rate: { max: number; perMs: number; started: number } | null;
  totals: {
    dispatched: number;
    completed: number;
    failedRetryable: number;
    failedFinal: number;
    /** Refused by the queue's own limit, a pause or the feature. */
    throttled: number;
    /** Refused by an edge isolate's dispatch budget, past the queue's fair share of it (never asked here). */
    throttledBudget: number;
    leasesExpired: number;
  };
  latencyMs: { p50: number | null; p95: number | null };
  lastError: { message: string; status?: number; jobId: string; at: string } | null;
}
