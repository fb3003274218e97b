// An isolate's dispatch budget divided fairly between queues. Each queue that has dispatches open
// here (plus the one asking) is guaranteed an equal share of the budget; whatever the others leave
// unused, a busy queue may borrow. So a queue under its share is never refused because other
// queues are busy, and a queue alone can use the whole budget.
//
// A queue under its share is admitted even when borrowers have spent the budget: the isolate then
// holds more than the budget (at most twice: borrowed calls never exceed it, guaranteed ones sum to
// it) until the borrowers' calls end, and borrowers get nothing more meanwhile. The alternative,
// keeping part of the budget in reserve, would refuse a lone busy queue calls it could run safely.

/** Until a queue has finished a dispatch here, a refused one is told to come back after this. */
export const DEFAULT_REFUSAL_RETRY_MS = 1_000;
const MIN_REFUSAL_RETRY_MS = 250;
const MAX_REFUSAL_RETRY_MS = 30_000;
/** Weight of the newest duration in a queue's running average. */
const DURATION_WEIGHT = 0.2;

export class FairShareBudget {
  readonly size: number;
  /** Dispatches open per queue; a queue with none is absent (so `size` counts the active queues). */
  readonly #held = new Map<string, number>();
  /** Dispatches refused per queue since the last `takeRefused`. */
  readonly #refused = new Map<string, number>();
  /** Running average of each queue's dispatch durations here: how soon its room comes back. */
  readonly #typicalMs = new Map<string, number>();
  #total = 0;

  constructor(size: number) {
    this.size = size;
  }

  /** How many of `count` dispatches for `queue` may start now (the first ones); the rest are refused. */
  admit(queue: string, count: number): number {
    const held = this.#held.get(queue) ?? 0;
    const admitted = Math.min(count, Math.max(this.shareOf(queue) - held, this.size - this.#total, 0));
    if (admitted > 0) {
      this.#held.set(queue, held + admitted);
      this.#total += admitted;
    }
    if (admitted < count) this.#refused.set(queue, (this.#refused.get(queue) ?? 0) + count - admitted);
    return admitted;
  }

  /** `durationMs`: how long the dispatch took, when it reached the feature. */
  leave(queue: string, count: number, durationMs?: number): void {
    if (durationMs !== undefined) {
      const typical = this.#typicalMs.get(queue);
      this.#typicalMs.set(queue, typical === undefined ? durationMs : typical + DURATION_WEIGHT * (durationMs - typical));
    }
    const held = (this.#held.get(queue) ?? 0) - count;
    if (held > 0) this.#held.set(queue, held);
    else this.#held.delete(queue);
    this.#total -= count;
  }

  /** The dispatches `queue` is guaranteed here: an equal part of the budget among the active queues. */
  shareOf(queue: string): number {
    const active = this.#held.size + (this.#held.has(queue) ? 0 : 1);
    return Math.max(1, Math.floor(this.size / active));
  }

  held(queue: string): number {
    return this.#held.get(queue) ?? 0;
  }

  get total(): number {
    return this.#total;
  }

  /**
   * What a refused dispatch of `queue` is told to wait: about one of its calls here, since room for
   * it comes back as its own calls end (it is past its share) or as others' do. Asking sooner only
   * costs a request to be refused again.
   */
  retryAfterMs(queue: string): number {
    const typical = this.#typicalMs.get(queue) ?? DEFAULT_REFUSAL_RETRY_MS;
    return Math.round(Math.min(MAX_REFUSAL_RETRY_MS, Math.max(MIN_REFUSAL_RETRY_MS, typical)));
  }

  /** Refusals of `queue` not yet reported; counting restarts at zero. */
  takeRefused(queue: string): number {
    const refused = this.#refused.get(queue) ?? 0;
    this.#refused.delete(queue);
    return refused;
  }
}
