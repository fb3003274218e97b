// A queue's `rateLimit`: at most `max` feature calls start in any window of `perMs`. An exact
// sliding log of the recent start times, in memory only (no write per job): a token bucket or GCRA
// would let close to twice `max` start within one window after an idle spell.
//
// After a restart of the coordinator the log is empty, so up to `max` more calls may start in the
// window that spans the restart (one extra window's worth, at most). Eviction of an idle object does
// not cause it for the usual windows: an object is evicted only after tens of seconds without a call.

import type { RateLimit } from '../../src/protocol.ts';

export class RateWindow {
  /** Start times (ms), oldest first; only those of the last `perMs` are kept. */
  #starts: number[] = [];

  /** Starts in the window ending at `now`. */
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
    return blocking < 0 ? 0 : this.#starts[blocking] + limit.perMs - now;
  }

  /** How many calls may start at `now`, one after another (all of them when unlimited). */
  room(limit: RateLimit | undefined, now: number): number {
    return limit ? Math.max(0, limit.max - this.started(limit, now)) : Number.POSITIVE_INFINITY;
  }

  /** A call started at `now`; remembered only while the queue has a limit. */
  record(limit: RateLimit | undefined, now: number): void {
    if (!limit) {
      this.#starts = [];
      return;
    }
    this.#starts.push(now);
  }

  #forget(limit: RateLimit, now: number): void {
    const keepFrom = this.#starts.findIndex((at) => at > now - limit.perMs);
    if (keepFrom === -1) this.#starts = [];
    else if (keepFrom > 0) this.#starts.splice(0, keepFrom);
  }
}
