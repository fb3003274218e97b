// The deferred attempts' plain state on a controlled clock: slots held until callback or deadline,
// the poll interval growing with the attempt's age, the timeout outcome, and the rows' purge.

import { describe, expect, it } from 'vitest';
import { Deferrals, SETTLED_MEMORY_MS, type Deferral, type SettledOutcome } from '../../../worker/coordinator/deferrals.ts';

const setup = () => {
  let now = 1_000_000;
  const rows = new Map<string, Deferral>();
  const settled: [string, SettledOutcome][] = [];
  const deferrals = new Deferrals({
    rows: [],
    persist: (row) => rows.set(row.jobId, structuredClone(row)),
    forget: (jobId) => rows.delete(jobId),
    onSettled: (jobId, outcome) => settled.push([jobId, outcome]),
    now: () => now,
  });
  return { deferrals, rows, settled, advance: (ms: number) => void (now += ms), now: () => now };
};

describe('Deferrals', () => {
  it('holds a slot until the deadline, then times the attempt out once (retryable) and purges its row later', () => {
    const { deferrals, rows, settled, advance, now } = setup();
    deferrals.defer({ jobId: 'a', attemptsMade: 0 }, now(), now() + 60_000);
    expect(deferrals.held).toBe(1);
    expect(deferrals.answer({ jobId: 'a', attemptsMade: 1 }, 60_000)).toBeUndefined();
    advance(40_000);
    // A quarter of its age, within 1-10 s.
    expect(deferrals.answer({ jobId: 'a', attemptsMade: 0 }, 60_000)).toMatchObject({ status: 'deferred', retryAfterMs: 10_000 });
    advance(20_000);
    expect(deferrals.held).toBe(0);
    expect(deferrals.answer({ jobId: 'a', attemptsMade: 0 }, 60_000)).toMatchObject({ status: 'settled', outcome: { outcome: 'failed', retryable: true } });
    deferrals.answer({ jobId: 'a', attemptsMade: 0 }, 60_000);
    expect(settled).toHaveLength(1);
    expect(deferrals.settle('a', 1, { attempt: 1, success: true })).toMatchObject({ status: 'conflict' });
    deferrals.purge();
    expect(rows.has('a')).toBe(true);
    advance(SETTLED_MEMORY_MS);
    deferrals.purge();
    expect(rows.has('a')).toBe(false);
    expect(deferrals.nextPurgeAt).toBeNull();
  });

  it('comes back from its rows as it was (a restarted coordinator)', () => {
    const { deferrals, rows, now } = setup();
    deferrals.defer({ jobId: 'b', attemptsMade: 2 }, now(), now() + 30_000);
    const restarted = new Deferrals({ rows: [...rows.values()], persist: () => {}, forget: () => {}, onSettled: () => {}, now });
    expect(restarted.held).toBe(1);
    expect(restarted.settle('b', 3, { attempt: 3, success: true, result: 'r' })).toEqual({ status: 'settled', outcome: { outcome: 'completed', result: 'r', durationMs: 0 } });
    expect(restarted.held).toBe(0);
  });
});
