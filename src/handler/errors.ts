// Errors a feature's job handler throws to tell Queue Worker what to do with the job. Anything else
// thrown counts as a retryable failure.

/** The job cannot succeed however often it is retried (bad data, a resource that is gone): fail it now. */
export class NonRetryableError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/**
 * The feature is overloaded or rate-limited: put the job back without charging an attempt and try
 * again after `retryAfterMs` (answered as 429 with `Retry-After`).
 */
export class RetryAfterError extends Error {
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number, message = `retry after ${retryAfterMs} ms`, options: { cause?: unknown } = {}) {
    super(message, options);
    if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) throw new RangeError('RetryAfterError: retryAfterMs must be a finite number >= 0');
    this.name = 'RetryAfterError';
    this.retryAfterMs = retryAfterMs;
  }
}
