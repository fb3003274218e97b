// Parsers for flag and argument values; a bad value is commander's one-line usage error (exit 2).

import { Argument, InvalidArgumentError } from 'commander';
import { isValidQueueName } from '../registration.ts';
import { LIMITS, QUEUE_NAME_PATTERN, type RateLimit } from '../protocol.ts';

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `1h`, `7d`, `250ms` → milliseconds. */
export const parseDuration = (value: string): number => {
  const match = DURATION_PATTERN.exec(value.trim());
  if (!match) throw new InvalidArgumentError('must be a duration such as 250ms, 90s, 15m, 1h or 7d.');
  return Math.round(Number(match[1]) * UNIT_MS[match[2]]);
};

export const parsePositiveInteger = (value: string): number => {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError('must be a whole number of at least 1.');
  return number;
};

const RATE_LIMIT_SHAPE = 'must be <max>/<window>, at most max job starts per window, such as 100/1s or 5/250ms.';

/** `100/1s`, `5/250ms` → `{ max, perMs }`, within the edge's bounds (checked here so nothing is sent). */
export const parseRateLimit = (value: string): RateLimit => {
  const [count, window, ...rest] = value.trim().split('/');
  if (window === undefined || rest.length > 0 || !/^\d+$/.test(count) || !DURATION_PATTERN.test(window)) throw new InvalidArgumentError(RATE_LIMIT_SHAPE);
  const { rateLimitMax, rateLimitPerMs } = LIMITS;
  const max = Number(count);
  const perMs = parseDuration(window);
  if (max < rateLimitMax.min || max > rateLimitMax.max) throw new InvalidArgumentError(`max must be ${rateLimitMax.min} to ${rateLimitMax.max} starts.`);
  if (perMs < rateLimitPerMs.min || perMs > rateLimitPerMs.max) throw new InvalidArgumentError(`the window must be ${rateLimitPerMs.min}ms to ${rateLimitPerMs.max / UNIT_MS.h}h.`);
  return { max, perMs };
};

export const parseQueueName = (value: string): string => {
  if (!isValidQueueName(value)) throw new InvalidArgumentError(`must match ${QUEUE_NAME_PATTERN.source}.`);
  return value;
};

/** A `<queue>` argument, checked before anything is sent. */
export const queueArgument = (): Argument => new Argument('<queue>', 'the queue name').argParser(parseQueueName);
