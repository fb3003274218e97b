// The soak's rate-limited queues (`rateLimit`, enforced by each queue's coordinator) and the
// report's checks on them: from the feature stub's own receive times, no calls prove more than
// `max` starts in one `perMs` window — `max` more where the window spans an edge restart, as the
// coordinator may forget the starts since its last flush (README "rateLimit") — and a job the rate
// held off was charged no attempt for it (its attempt count is still the one its seed dictates).
// The async queue joins the soak the same way (async-queues.ts).

import type { RateLimit } from '../../src/protocol.ts';
import { renderTable, type Cell } from '../bench/table.ts';
import { windowsAtCalls } from '../support/busiest-window.ts';
import { ARRIVAL_SLACK_MS } from './limits.ts';
import type { QueuePlan } from './plan.ts';
import type { Reconciliation } from './reconcile.ts';
import type { Check } from './report.ts';
import type { SoakFeature } from './soak-feature.ts';

const RATE: RateLimit = { max: 5, perMs: 1_000 };
/** Rate only (concurrency far above it), and rate and concurrency binding at once. */
const RATE_QUEUES = [
  { suffix: 'rate', concurrency: 10 },
  { suffix: 'rate-c2', concurrency: 2 },
] as const;
/**
 * The share of all adds that go to the rate-limited queues together: about half their rate at the
 * default add pace, so the rate binds on the backlogs the faults build rather than all along (a
 * backlog growing through the whole window would drag out the drain).
 */
export const RATE_JOB_SHARE = 0.14;
const TIMEOUT_MS = 8_000;
const ATTEMPTS = 3;
const BACKOFF = { type: 'exponential', delayMs: 50, maxDelayMs: 1_000, jitter: 0.2 } as const;

export const planRateQueues = (tag: string): QueuePlan[] =>
  RATE_QUEUES.map(({ suffix, concurrency }) => ({
    name: `soak-${tag}-${suffix}`,
    concurrency,
    timeoutMs: TIMEOUT_MS,
    attempts: ATTEMPTS,
    rateLimit: RATE,
    registration: { concurrency, timeoutMs: TIMEOUT_MS, rateLimit: RATE, retry: { attempts: ATTEMPTS, backoff: BACKOFF } },
  }));

/** When the edge was down and its coordinators restarting (ms since the epoch). */
export interface ResetSpan {
  from: number;
  to: number;
}

interface RateFigures {
  queue: QueuePlan & { rateLimit: RateLimit };
  calls: number;
  /** The most calls in any `perMs` window the stub saw, away from an edge restart and spanning one. */
  busiest: number;
  busiestAcrossReset: number;
  /** Windows holding exactly `max` calls: the rate was binding. */
  windowsAtMax: number;
  /** Where the stub saw the most calls over the allowance (ms since the epoch). */
  fullestAt: number;
  /** Calls over the allowance in the worst window that proves starts too close (see `provenOver`). */
  over: number;
  attemptsOff: number;
}

/** Calls over the allowance in each window of `windowMs`: `max`, twice that where it spans an edge restart. */
const excess = (times: number[], windowMs: number, max: number, resets: ResetSpan[]) =>
  windowsAtCalls(times, windowMs).map(({ start, calls }) => {
    const acrossReset = resets.some((reset) => start <= reset.to && start + windowMs > reset.from);
    return { start, calls, acrossReset, over: calls - (acrossReset ? 2 * max : max) };
  });

/**
 * The stub sees a call up to ARRIVAL_SLACK_MS after its start was granted (a loaded machine running
 * every tier; limits.ts judges concurrency changes the same way), so only calls received within
 * `perMs` less that slack prove their starts were within `perMs` of each other.
 */
const provenOver = (times: number[], { max, perMs }: RateLimit, resets: ResetSpan[]): number =>
  Math.max(0, ...excess(times, perMs - ARRIVAL_SLACK_MS, max, resets).map((window) => window.over));

const figuresOf = (queue: QueuePlan & { rateLimit: RateLimit }, feature: SoakFeature, resets: ResetSpan[], r: Reconciliation): RateFigures => {
  const { max, perMs } = queue.rateLimit;
  const times = feature.arrivalsOf(queue.name);
  const windows = excess(times, perMs, max, resets);
  const fullest = windows.reduce<(typeof windows)[number] | undefined>((worst, window) => (!worst || window.over > worst.over ? window : worst), undefined);
  return {
    queue,
    calls: times.length,
    busiest: Math.max(0, ...windows.filter((window) => !window.acrossReset).map((window) => window.calls)),
    busiestAcrossReset: Math.max(0, ...windows.filter((window) => window.acrossReset).map((window) => window.calls)),
    windowsAtMax: windows.filter((window) => window.calls === max).length,
    fullestAt: fullest?.start ?? 0,
    over: provenOver(times, queue.rateLimit, resets),
    attemptsOff: r.attemptsOffByQueue.get(queue.name) ?? 0,
  };
};

const isRateLimited = (queue: QueuePlan): queue is QueuePlan & { rateLimit: RateLimit } => queue.rateLimit !== undefined;

/** `startedAt`: the run's start, for times matching the fault table's. */
export const rateReport = (queues: QueuePlan[], feature: SoakFeature, resets: ResetSpan[], r: Reconciliation, startedAt: number): { checks: Check[]; text: string } => {
  const figures = queues.filter(isRateLimited).map((queue) => figuresOf(queue, feature, resets, r));
  if (figures.length === 0) return { checks: [], text: '' };
  const over = figures.reduce((sum, f) => sum + f.over, 0);
  const attemptsOff = figures.reduce((sum, f) => sum + f.attemptsOff, 0);
  const rows: Cell[][] = figures.map((f) => [
    f.queue.name,
    `${f.queue.rateLimit.max} / ${f.queue.rateLimit.perMs} ms`,
    f.queue.concurrency,
    f.calls,
    f.busiest,
    f.busiestAcrossReset,
    f.windowsAtMax,
    f.calls ? ((f.fullestAt - startedAt) / 1000).toFixed(1) : '',
    f.over,
    f.attemptsOff,
  ]);
  return {
    checks: [
      { name: 'calls over a rate limit (max per window; 2×max across an edge restart)', value: over, ok: over === 0 },
      { name: 'rate-limited jobs with attempts not as the seed says', value: attemptsOff, ok: attemptsOff === 0 },
    ],
    text: renderTable(
      ['rate-limited queue', 'rateLimit', 'concurrency', 'feature calls', 'most calls in a window', '… spanning an edge restart', 'windows at max', 'fullest window at s', `calls over, proven (windows ${ARRIVAL_SLACK_MS} ms shorter)`, 'attempts off'],
      rows,
    ),
  };
};
