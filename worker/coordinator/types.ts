// What the QueueCoordinator's RPC methods take and answer.

import type { FieldError, Registration, RegistrationDefaults } from '../../src/protocol.ts';

export interface AcquireRequest {
  jobId: string;
  /** How long the caller may wait in line for a slot before being told `throttled`. */
  maxWaitMs: number;
}

export interface SlotGrant {
  status: 'granted';
  leaseId: string;
  endpoint: string;
  path: string;
  timeoutMs: number;
}

export type AcquireResult =
  | SlotGrant
  | { status: 'throttled'; reason: 'busy' | 'paused'; retryAfterMs: number }
  | { status: 'unknown' };

/** For a batch: slots for the first `grants.length` jobs; the others must `acquire` one by one. */
export type AcquireManyResult =
  | { status: 'granted'; grants: SlotGrant[] }
  | { status: 'throttled'; reason: 'paused'; retryAfterMs: number }
  | { status: 'unknown' };

export interface Release {
  leaseId: string;
  report: ReleaseReport;
}

export type ReleaseKind = 'completed' | 'failed_retryable' | 'failed_final' | 'throttled';

export interface ReleaseReport {
  kind: ReleaseKind;
  durationMs: number;
  jobId: string;
  error?: { message: string; status?: number };
}

export interface WriteRegistrationRequest {
  name: string;
  input: unknown;
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
