// A queue's figures: totals, recent latency, the last error. Plain state the coordinator persists
// from its alarm (at most once per flush interval, never per job); the latency window is recent by
// nature and lives in memory only.

import type { QueueStats, ReleaseReport } from './types.ts';
import { LatencyWindow } from './latency.ts';

/** What survives a restart. */
export interface PersistedFigures {
  totals: QueueStats['totals'];
  lastError: QueueStats['lastError'];
}

const emptyTotals = (): QueueStats['totals'] => ({
  dispatched: 0,
  completed: 0,
  failedRetryable: 0,
  failedFinal: 0,
  throttled: 0,
  throttledBudget: 0,
  leasesExpired: 0,
});

const TOTAL_OF: Record<Exclude<ReleaseReport['kind'], 'deferred'>, keyof QueueStats['totals']> = {
  completed: 'completed',
  failed_retryable: 'failedRetryable',
  failed_final: 'failedFinal',
  throttled: 'throttled',
};

export class Figures {
  #totals = emptyTotals();
  #lastError: QueueStats['lastError'] = null;
  readonly #latency = new LatencyWindow();
  /** Changed since the last `persisted()`. */
  #dirty = false;

  constructor(persisted?: PersistedFigures | null) {
    if (persisted) {
      this.#totals = { ...emptyTotals(), ...persisted.totals };
      this.#lastError = persisted.lastError;
    }
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  count(total: keyof QueueStats['totals'], by = 1): void {
    if (by === 0) return;
    this.#totals[total] += by;
    this.#dirty = true;
  }

  /** How one dispatch ended. */
  record(report: ReleaseReport): void {
    // A deferred attempt is counted when it settles, as what it turned out to be.
    if (report.kind === 'deferred') return;
    this.count(TOTAL_OF[report.kind]);
    if (report.kind !== 'throttled') this.#latency.add(report.durationMs);
    if (report.error && report.kind !== 'completed') this.#lastError = { ...report.error, jobId: report.jobId, at: new Date().toISOString() };
  }

  /** The median call of late, or null before any was measured. */
  typicalCallMs(): number | null {
    return this.#latency.percentile(50);
  }

  view(): Pick<QueueStats, 'totals' | 'latencyMs' | 'lastError'> {
    return {
      totals: { ...this.#totals },
      latencyMs: { p50: this.#latency.percentile(50), p95: this.#latency.percentile(95) },
      lastError: this.#lastError,
    };
  }

  /** What to write, and clean from now on. */
  persisted(): PersistedFigures {
    this.#dirty = false;
    return { totals: { ...this.#totals }, lastError: this.#lastError };
  }
}
