// Turns a feature API's answer into a dispatch outcome (ARCHITECTURE.md, "Classification").

import { parseRetryAfter } from '../../src/backoff.ts';
import { isPlainObject, parseJsonOrUndefined } from '../../src/json.ts';
import type { DispatchOutcome } from '../../src/protocol.ts';

/** A feature's Retry-After is honoured up to this; longer asks become this. */
export const MAX_FEATURE_RETRY_AFTER_MS = 5 * 60 * 1000;
/** 429 without Retry-After. */
export const DEFAULT_FEATURE_RETRY_AFTER_MS = 1_000;
const SNIPPET_LENGTH = 200;

export const snippet = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET_LENGTH ? `${flat.slice(0, SNIPPET_LENGTH)}…` : flat;
};


/** A human message from whatever a feature put in `error`: a string, `{ message }`, or anything else. */
export const errorMessage = (error: unknown, fallback: string): string => {
  if (typeof error === 'string' && error) return error;
  if (isPlainObject(error) && typeof error.message === 'string' && error.message) return error.message;
  if (error !== undefined && error !== null) return snippet(JSON.stringify(error));
  return fallback;
};

/** The message for a non-2xx answer: the body's `error`/`message` if JSON, else a snippet. */
const failureMessage = (status: number, text: string): string => {
  const body = parseJsonOrUndefined(text);
  const detail = isPlainObject(body) ? errorMessage(body.error ?? body.message, snippet(text)) : snippet(text);
  return detail ? `feature API answered ${status}: ${detail}` : `feature API answered ${status}`;
};

export const classifyFeatureResponse = (status: number, headers: Headers, text: string, durationMs: number): DispatchOutcome => {
  const retryAfterMs = parseRetryAfter(headers.get('Retry-After'));
  if (status === 429 || (status === 503 && retryAfterMs !== undefined)) {
    const wait = Math.min(retryAfterMs ?? DEFAULT_FEATURE_RETRY_AFTER_MS, MAX_FEATURE_RETRY_AFTER_MS);
    return { outcome: 'throttled', retryAfterMs: wait, reason: 'feature' };
  }
  if (status >= 200 && status < 300) {
    const body = parseJsonOrUndefined(text);
    if (isPlainObject(body) && body.success === true) return { outcome: 'completed', result: body.result ?? null, durationMs };
    if (isPlainObject(body) && body.success === false) {
      return {
        outcome: 'failed',
        retryable: body.retryable !== false,
        error: { message: errorMessage(body.error, 'feature API reported failure without an error'), status },
        durationMs,
      };
    }
    return {
      outcome: 'failed',
      retryable: true,
      error: { message: `feature API answered ${status} without a {"success": …} JSON body: ${snippet(text) || '(empty)'}`, status },
      durationMs,
    };
  }
  const retryable = status === 408 || status >= 500;
  const redirect = status >= 300 && status < 400;
  const message = redirect
    ? `feature API answered a redirect (${status}); register the final URL as the endpoint`
    : failureMessage(status, text);
  return { outcome: 'failed', retryable, error: { message, status }, durationMs };
};
