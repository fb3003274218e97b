// Retry delays shared by the bridge (BullMQ backoff strategy) and anything that reports them.

import type { BackoffPolicy } from './protocol.js';

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

/** Parses an HTTP `Retry-After` (seconds or HTTP date) into milliseconds, or undefined. */
export const parseRetryAfter = (value: string | null | undefined, now: number = Date.now()): number | undefined => {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};
