// A fixed-size window of recent durations, for p50/p95 without unbounded memory.

import { percentile } from '../../src/percentile.ts';

const DEFAULT_WINDOW = 1024;

export class LatencyWindow {
  readonly #samples: number[] = [];
  readonly #size: number;
  #next = 0;

  constructor(size = DEFAULT_WINDOW) {
    this.#size = size;
  }

  add(durationMs: number): void {
    if (this.#samples.length < this.#size) this.#samples.push(durationMs);
    else this.#samples[this.#next] = durationMs;
    this.#next = (this.#next + 1) % this.#size;
  }

  percentile(p: number): number | null {
    return percentile([...this.#samples].sort((a, b) => a - b), p);
  }
}
