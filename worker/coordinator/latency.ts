// A fixed-size window of recent durations, for p50/p95 without unbounded memory.

import { percentile } from '../../src/percentile.ts';

const DEFAULT_WINDOW = 1024;

export class LatencyWindow {
  readonly #samples: number[] = [];
  readonly #size: number;
  #next = 0;
  /** The samples in order, kept until the next sample: a waiting line asks for p50 once per caller. */
  #sorted: Float64Array | undefined;

  constructor(size = DEFAULT_WINDOW) {
    this.#size = size;
  }

  add(durationMs: number): void {
    if (this.#samples.length < this.#size) this.#samples.push(durationMs);
    else this.#samples[this.#next] = durationMs;
    this.#next = (this.#next + 1) % this.#size;
    this.#sorted = undefined;
  }

  percentile(p: number): number | null {
    // A typed array sorts numerically without a comparator call per pair.
    this.#sorted ??= Float64Array.from(this.#samples).sort();
    return percentile(this.#sorted, p);
  }
}
