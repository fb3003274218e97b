import { describe, expect, it } from 'vitest';
import { computeBackoffDelay, parseRetryAfter } from '../../src/backoff.ts';
import type { BackoffPolicy } from '../../src/protocol.ts';

const exponential: BackoffPolicy = { type: 'exponential', delayMs: 1_000, maxDelayMs: 300_000, jitter: 0 };
const fixed: BackoffPolicy = { type: 'fixed', delayMs: 2_500, maxDelayMs: 300_000, jitter: 0 };

describe('computeBackoffDelay', () => {
  it('doubles from delayMs with each failed attempt', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => computeBackoffDelay(exponential, attempt))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('treats attempt 0 (or less) like the first retry', () => {
    expect(computeBackoffDelay(exponential, 0)).toBe(1_000);
    expect(computeBackoffDelay(exponential, -3)).toBe(1_000);
  });

  it('caps at maxDelayMs, however many attempts', () => {
    const policy = { ...exponential, maxDelayMs: 5_000 };
    expect([3, 4, 5, 50, 5_000].map((attempt) => computeBackoffDelay(policy, attempt))).toEqual([4_000, 5_000, 5_000, 5_000, 5_000]);
  });

  it('waits delayMs every time when fixed, capped too', () => {
    expect([1, 2, 10].map((attempt) => computeBackoffDelay(fixed, attempt))).toEqual([2_500, 2_500, 2_500]);
    expect(computeBackoffDelay({ ...fixed, maxDelayMs: 1_000 }, 1)).toBe(1_000);
  });

  it('shortens a delay by at most `jitter` of itself', () => {
    const policy = { ...exponential, jitter: 0.2 };
    expect(computeBackoffDelay(policy, 3, () => 0)).toBe(4_000);
    expect(computeBackoffDelay(policy, 3, () => 0.5)).toBe(3_600);
    expect(computeBackoffDelay(policy, 3, () => 0.999_999)).toBe(3_200);
    for (let i = 0; i < 100; i++) {
      const delay = computeBackoffDelay(policy, 3);
      expect(delay).toBeGreaterThanOrEqual(3_200);
      expect(delay).toBeLessThanOrEqual(4_000);
    }
  });

  it('applies jitter after the cap, so a capped delay never exceeds maxDelayMs', () => {
    const policy = { ...exponential, maxDelayMs: 5_000, jitter: 0.5 };
    expect(computeBackoffDelay(policy, 20, () => 0)).toBe(5_000);
    expect(computeBackoffDelay(policy, 20, () => 0.5)).toBe(3_750);
  });

  it('clamps jitter outside 0..1', () => {
    expect(computeBackoffDelay({ ...exponential, jitter: 3 }, 1, () => 0.5)).toBe(500);
    expect(computeBackoffDelay({ ...exponential, jitter: -1 }, 1, () => 0.5)).toBe(1_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-27T12:00:00.000Z');

  it.each([
    ['7', 7_000],
    ['0', 0],
    [' 30 ', 30_000],
    ['1.5', 1_500],
  ])('reads delay-seconds %j', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([
    ['Fri, 27 Nov 2026 12:00:10 GMT', 10_000],
    ['Friday, 27-Nov-26 12:01:00 GMT', 60_000],
    ['Fri Nov 27 12:00:05 2026', 5_000],
  ])('reads the HTTP-date %j', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it('reads a date already past as "now"', () => {
    expect(parseRetryAfter('Fri, 27 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });

  it.each([undefined, null, '', 'soon', '-5', 'in 5', '5 minutes', '1e3', '2026-11-27T12:00:10Z', 'Fri, 99 Nov 2026 12:00:10 GMT'])(
    'ignores %j (no usable delay)',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});
