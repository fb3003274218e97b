// A queue's `rateLimit`: at most `max` feature calls start in any window of `perMs`. An exact
// sliding log of the recent start times, in memory only (no write per job): a token bucket or GCRA
// would let close to twice `max` start within one window after an idle spell.
//
// The window the feature sees is what counts, and a call reaches it some milliseconds after its
// grant, not always the same number: each start holds its place for a guard longer than `perMs`
// (10%, at most a second), so a call delivered late and the next delivered early still sit in
// separate windows. The price: a queue runs at about 90% of its nominal rate.
//
// Nothing is written per start: the coordinator stores the log with its figures, at most once per
// flush (FLUSH_MS), and a restarted coordinator starts from it. An idle coordinator flushes before
// it is evicted, so eviction loses nothing; a crash or deploy loses the starts since the last flush
// (at most FLUSH_MS of them, and never more than one window's worth).

import type { RateLimit } from '../../src/protocol.ts';

const DELIVERY_GUARD = { fraction: 0.1, maxMs: 1_000 };

/** How long a start counts against the limit: `perMs` and the delivery guard. */
export const countedForMs = ({ perMs }: RateLimit): number => perMs + Math.min(Math.ceil(perMs * DELIVERY_GUARD.fraction), DELIVERY_GUARD.maxMs);

export class RateWindow {
  /** Start times (ms), oldest first; only those still counted (`countedForMs`) are kept. */
  #starts: number[];
  /** Starts recorded or dropped since the last `persisted()`. */
  #dirty = false;

  /** `inherited`: the log a previous incarnation stored. */
  constructor(inherited: readonly number[] = []) {
    this.#starts = [...inherited];
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  /** The log as storage should hold it now. */
  persisted(): number[] {
    this.#dirty = false;
    return [...this.#starts];
  }

  /** Starts still counted at `now`. */
  started(limit: RateLimit, now: number): number {
    this.#forget(limit, now);
    return this.#starts.length;
  }

  /** How long from `now` until one more call may start: 0 when one may start now. */
  waitMs(limit: RateLimit | undefined, now: number): number {
    if (!limit) return 0;
    this.#forget(limit, now);
    // A lowered `max` keeps the starts already made: the newest `max - 1` of them must stay, so the one before them must leave the window.
    const blocking = this.#starts.length - limit.max;
    return blocking < 0 ? 0 : this.#starts[blocking] + countedForMs(limit) - now;
  }

  /** How many calls may start at `now`, one after another (all of them when unlimited). */
  room(limit: RateLimit | undefined, now: number): number {
    return limit ? Math.max(0, limit.max - this.started(limit, now)) : Number.POSITIVE_INFINITY;
  }

  /** A call started at `now`; remembered only while the queue has a limit. */
  record(limit: RateLimit | undefined, now: number): void {
    if (!limit) {
      this.#dirty ||= this.#starts.length > 0;
      this.#starts = [];
      return;
    }
    this.#starts.push(now);
    this.#dirty = true;
  }

  #forget(limit: RateLimit, now: number): void {
    const keepFrom = this.#starts.findIndex((at) => at > now - countedForMs(limit));
    if (keepFrom === 0) return;
    // Forgetting changes nothing storage must know (the stored starts expire the same way), so it leaves `dirty` alone.
    if (keepFrom === -1) this.#starts = [];
    else this.#starts.splice(0, keepFrom);
  }
}
