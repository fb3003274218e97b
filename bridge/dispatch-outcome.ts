// Checks the edge's dispatch answer before the bridge acts on it: anything that is not exactly one
// of the outcomes is an infrastructure fault, never a verdict on the job.

import type { DispatchOutcome, ThrottledOutcome } from '../src/protocol.ts';
import { isPlainObject } from '../src/json.ts';

const THROTTLE_REASONS: ReadonlySet<unknown> = new Set(['busy', 'paused', 'feature', 'in_flight', 'budget', 'rate']);

const isDuration = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** The outcome in `value`, or undefined when it is malformed. */
export const parseDispatchOutcome = (value: unknown): DispatchOutcome | undefined => {
  if (!isPlainObject(value)) return undefined;
  switch (value.outcome) {
    case 'completed':
      return 'result' in value || isDuration(value.durationMs)
        ? { outcome: 'completed', result: value.result, durationMs: isDuration(value.durationMs) ? value.durationMs : 0 }
        : undefined;
    case 'failed': {
      const error = value.error;
      if (typeof value.retryable !== 'boolean' || !isPlainObject(error) || typeof error.message !== 'string') return undefined;
      return {
        outcome: 'failed',
        retryable: value.retryable,
        error: { message: error.message, ...(typeof error.status === 'number' ? { status: error.status } : {}) },
        durationMs: isDuration(value.durationMs) ? value.durationMs : 0,
      };
    }
    case 'throttled':
      if (!isDuration(value.retryAfterMs)) return undefined;
      return {
        outcome: 'throttled',
        retryAfterMs: value.retryAfterMs,
        ...(THROTTLE_REASONS.has(value.reason) ? { reason: value.reason as ThrottledOutcome['reason'] } : {}),
      };
    case 'deferred':
      if (!isDuration(value.deadlineMs) || !isDuration(value.retryAfterMs)) return undefined;
      return { outcome: 'deferred', deadlineMs: value.deadlineMs, retryAfterMs: value.retryAfterMs };
    default:
      return undefined;
  }
};
