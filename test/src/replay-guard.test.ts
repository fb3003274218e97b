import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../src/replay-guard.ts';

const NOW = 1_800_000_000_000;

describe('ReplayGuard', () => {
  it('accepts a signature once while it is valid, and again once its window has ended', () => {
    const guard = new ReplayGuard(10);
    expect(guard.claim('mac-a', NOW + 1_000, NOW)).toBe(true);
    expect(guard.claim('mac-a', NOW + 1_000, NOW + 999)).toBe(false);
    expect(guard.claim('mac-b', NOW + 1_000, NOW + 999)).toBe(true);
    expect(guard.claim('mac-a', NOW + 3_000, NOW + 1_000)).toBe(true);
  });

  it('holds at most `capacity` signatures, forgetting the oldest first', () => {
    const guard = new ReplayGuard(2);
    for (const mac of ['a', 'b', 'c']) expect(guard.claim(mac, NOW + 60_000, NOW)).toBe(true);
    expect(guard.claim('c', NOW + 60_000, NOW)).toBe(false);
    expect(guard.claim('b', NOW + 60_000, NOW)).toBe(false);
    // 'a' made room for 'c'; remembering it again pushes out 'b'.
    expect(guard.claim('a', NOW + 60_000, NOW)).toBe(true);
    expect(guard.claim('b', NOW + 60_000, NOW)).toBe(true);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new ReplayGuard(0)).toThrow(RangeError);
  });
});
