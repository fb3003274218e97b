// The rate limit's sliding log as a plain class: no window of `perMs` ever holds more than `max`
// starts, and a refused caller learns the exact moment the next start is allowed.

import { describe, expect, it } from 'vitest';
import { countedForMs, RateWindow } from '../../../worker/coordinator/rate-window.ts';

const LIMIT = { max: 3, perMs: 1_000 };
/** A start counts for the window and the delivery guard (10%). */
const COUNTED_MS = 1_100;

describe('RateWindow', () => {
  it('counts a start for its window and a delivery guard of 10%, at most a second', () => {
    expect(countedForMs(LIMIT)).toBe(COUNTED_MS);
    expect(countedForMs({ max: 1, perMs: 100 })).toBe(110);
    expect(countedForMs({ max: 1, perMs: 86_400_000 })).toBe(86_401_000);
  });

  it('allows max starts, then answers the exact wait until the oldest leaves the window', () => {
    const rate = new RateWindow();
    for (const at of [0, 100, 250]) {
      expect(rate.waitMs(LIMIT, at)).toBe(0);
      rate.record(LIMIT, at);
    }
    expect(rate.waitMs(LIMIT, 300)).toBe(COUNTED_MS - 300);
    expect(rate.room(LIMIT, 300)).toBe(0);
    expect(rate.waitMs(LIMIT, COUNTED_MS - 1)).toBe(1);
    // Then the start at 0 no longer counts: exactly one more may start, and the next waits for the one at 100.
    expect(rate.waitMs(LIMIT, COUNTED_MS)).toBe(0);
    rate.record(LIMIT, COUNTED_MS);
    expect(rate.waitMs(LIMIT, COUNTED_MS)).toBe(100);
  });

  it('never lets a sliding window hold more than max when every start waits as told', () => {
    const rate = new RateWindow();
    const starts: number[] = [];
    let now = 0;
    while (starts.length < 50) {
      const wait = rate.waitMs(LIMIT, now);
      if (wait === 0) {
        rate.record(LIMIT, now);
        starts.push(now);
      }
      now += wait === 0 ? 7 : wait;
    }
    for (const start of starts) expect(starts.filter((at) => at >= start && at < start + LIMIT.perMs).length).toBeLessThanOrEqual(LIMIT.max);
    // And not much slower than the limit: 50 starts at 3 per window take under 17 windows and their guards.
    expect(starts.at(-1)).toBeLessThan(17 * COUNTED_MS);
  });

  it('counts the starts already made against a lowered max, and forgets them without a limit', () => {
    const rate = new RateWindow();
    for (const at of [0, 10, 20]) rate.record(LIMIT, at);
    const lowered = { max: 1, perMs: 1_000 };
    // One start allowed per window: the newest (at 20) must leave it first.
    expect(rate.waitMs(lowered, 30)).toBe(COUNTED_MS - 10);
    expect(rate.room(undefined, 30)).toBe(Number.POSITIVE_INFINITY);
    rate.record(undefined, 30);
    expect(rate.started(LIMIT, 31)).toBe(0);
  });

  it('hands storage its log only when a start changed it, and a new window counts the stored starts', () => {
    const rate = new RateWindow();
    expect(rate.dirty).toBe(false);
    rate.record(LIMIT, 0);
    rate.record(LIMIT, 10);
    expect(rate.dirty).toBe(true);
    const stored = rate.persisted();
    expect(stored).toEqual([0, 10]);
    expect(rate.dirty).toBe(false);
    // Starts leaving the window are not worth a write: the stored copy expires the same way.
    expect(rate.started(LIMIT, COUNTED_MS + 5)).toBe(1);
    expect(rate.dirty).toBe(false);

    const restarted = new RateWindow(stored);
    expect(restarted.waitMs(LIMIT, 20)).toBe(0);
    restarted.record(LIMIT, 20);
    expect(restarted.waitMs(LIMIT, 30)).toBe(COUNTED_MS - 30);
  });
});
