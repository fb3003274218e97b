// The soak's model of a job, checked against itself: answering call after call as fates.ts says,
// and counting attempts as BullMQ does (a 429 charges none), every seed ends where expectedEnd
// predicts. And the limit timeline allows what the edge may legitimately have in flight.

import { describe, expect, it } from 'vitest';
import { answerFor, expectedEnd, fateOf, FATES } from '../../soak/fates.ts';
import { LimitTimeline } from '../../soak/limits.ts';

const SEEDS = 2_000;

/** Plays a job through BullMQ's rules against the soak feature's answers. */
const play = (seed: number, attempts: number) => {
  const fate = fateOf(seed);
  // The bridge fails a poison job before it calls anyone.
  if (fate.kind === 'poison') return { state: 'failed', attemptsMade: 1, calls: 0 };
  let attemptsMade = 0;
  let throttles = 0;
  for (let calls = 1; ; calls++) {
    const answer = answerFor(seed, fate, attemptsMade, throttles);
    if (!answer.hang && answer.status === 429) {
      throttles++;
      continue;
    }
    attemptsMade++;
    const ok = !answer.hang && answer.status === 200 && (answer.body as { success: boolean }).success;
    const final = !answer.hang && answer.status === 400;
    if (ok) return { state: 'completed', attemptsMade, calls };
    if (final || attemptsMade >= attempts) return { state: 'failed', attemptsMade, calls };
  }
};

describe('soak fates', () => {
  it('every seed ends as expectedEnd predicts, for every attempt budget', () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      for (const attempts of [1, 2, 3, 5]) expect(play(seed, attempts), `seed ${seed}, attempts ${attempts}`).toEqual(expectedEnd(fateOf(seed), attempts));
    }
  });

  it('draws every fate', () => {
    const drawn = new Set(Array.from({ length: SEEDS }, (_, i) => fateOf(i + 1).kind));
    expect([...drawn].sort()).toEqual([...FATES].sort());
  });
});

describe('LimitTimeline', () => {
  it('allows the higher limit while a change is in progress and just after it, then the new one; a pause allows none', async () => {
    const limits = new LimitTimeline([['q', 5]]);
    const before = Date.now();
    await limits.change('q', 2, () => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(limits.allowedAt('q', before - 1_000)).toBe(5);
    expect(limits.allowedAt('q', Date.now())).toBe(5);
    expect(limits.allowedAt('q', Date.now() + 1_000)).toBe(2);
    await limits.change('q', 0, async () => {});
    expect(limits.allowedAt('q', Date.now() + 1_000)).toBe(0);
    expect(limits.describe('q')).toBe('5 → 2 → paused');
  });
});
