// A line every few seconds while the soak runs: finished/expected, rate, where the rest are, and
// the fault in progress. Redis being away (a scheduled restart) is a line too, not a stall.

import type { Redis } from 'ioredis';
import { withTimeout } from '../../bridge/with-timeout.ts';
import { countJobs, type JobCounts } from './queue-counts.ts';
import type { QueuePlan } from './plan.ts';

const INTERVAL_MS = 3_000;
const COUNT_TIMEOUT_MS = 1_000;

export interface ProgressSource {
  redis: Redis;
  queues: QueuePlan[];
  startedAt: number;
  expected: () => number;
  added: () => number;
  totalAdds: number;
  fault: () => string;
  bridges: () => number;
  log: (line: string) => void;
}

export class Progress {
  readonly #source: ProgressSource;
  readonly #timer: NodeJS.Timeout;
  #last = { at: 0, finished: 0 };

  constructor(source: ProgressSource) {
    this.#source = source;
    this.#last.at = source.startedAt;
    this.#timer = setInterval(() => void this.#tick(), INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #tick(): Promise<void> {
    const s = this.#source;
    const now = Date.now();
    const elapsed = `[${String(Math.round((now - s.startedAt) / 1000)).padStart(4)} s]`;
    const tail = `added ${s.added()}/${s.totalAdds} · bridges ${s.bridges()} · fault: ${s.fault()}`;
    let counts: JobCounts;
    try {
      counts = await withTimeout(countJobs(s.redis, s.queues), COUNT_TIMEOUT_MS, 'job counts');
    } catch {
      s.log(`${elapsed} Redis unreachable · ${tail}`);
      return;
    }
    const rate = Math.round(((counts.finished - this.#last.finished) * 1000) / Math.max(1, now - this.#last.at));
    this.#last = { at: now, finished: counts.finished };
    const expected = s.expected();
    const share = expected ? Math.floor((100 * counts.finished) / expected) : 0;
    s.log(`${elapsed} ${counts.finished}/${expected} finished (${share}%) · ${rate}/s · waiting ${counts.waiting} active ${counts.active} delayed ${counts.delayed} · ${tail}`);
  }
}
