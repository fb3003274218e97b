// Retry delays shared by the bridge (BullMQ backoff strategy) and anything that reports them.

import type { BackoffPolicy } from './protocol.ts';

/**
 * Delay before the retry that follows `attemptsMade` failed attempts (1 = after the first failure).
 * Exponential doubles from `delayMs`; both kinds are capped at `maxDelayMs`, then jitter shortens
 * the delay by up to `jitter` of itself so a burst of failures does not retry in lockstep.
 */
export const computeBackoffDelay = (policy: BackoffPolicy, attemptsMade: number, random: () => number = Math.random): number => {
  const attempt = Math.max(1, Math.floor(attemptsMade));
  const raw = policy.type === 'fixed' ? policy.delayMs : policy.delayMs * 2 ** (attempt - 1);
  const capped = Math.min(raw, policy.maxDelayMs);
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  return Math.round(capped * (1 - jitter * random()));
};

/** The three HTTP-date forms (RFC 9110 §5.6.7): IMF-fixdate, RFC 850 and asctime. */
const IMF_OR_RFC850_DATE = /^(?:[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4}|[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2}) \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Parses an HTTP `Retry-After` (seconds or HTTP date) into milliseconds, or undefined for anything
 * else: `Date.parse` alone would read junk such as "-5" as a date long past, i.e. "retry now".
 */
export const parseRetryAfter = (value: string | null | undefined, now: number = Date.now()): number | undefined => {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  let date = Number.NaN;
  if (IMF_OR_RFC850_DATE.test(trimmed)) date = Date.parse(trimmed);
  else if (ASCTIME_DATE.test(trimmed)) date = Date.parse(`${trimmed} GMT`); // asctime carries no zone; HTTP means GMT
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};
