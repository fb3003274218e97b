// The soak's verdict: the checks that decide its exit code, and the tables that show the evidence.

import { percentile } from '../../src/percentile.ts';
import { renderTable, type Cell } from '../bench/table.ts';
import { asyncReport } from './async-queues.ts';
import type { FaultRecord } from './faults.ts';
import type { LimitTimeline } from './limits.ts';
import type { QueuePlan } from './plan.ts';
import { rateReport, type ResetSpan } from './rate-queues.ts';
import type { Reconciliation } from './reconcile.ts';
import type { SoakFeature } from './soak-feature.ts';

export interface Check {
  name: string;
  value: number;
  ok: boolean;
}

export interface SoakReport {
  ok: boolean;
  checks: Check[];
  reconciliation: Reconciliation;
  jobsAdded: number;
  duplicateAdds: number;
  throughput: number;
  p50: number | null;
  p99: number | null;
  text: string;
}

export interface ReportInput {
  reconciliation: Reconciliation;
  feature: SoakFeature;
  limits: LimitTimeline;
  queues: QueuePlan[];
  faults: FaultRecord[];
  /** When the edge restarted, for the rate limits' tolerance. */
  coordinatorResets: ResetSpan[];
  startedAt: number;
  jobsAdded: number;
  duplicateAdds: number;
  elapsedMs: number;
  /** The noisy neighbour's figures, when the run had one. */
  noisy?: { name: string; concurrency: number; callMs: number; calls: number; peak: number };
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10;

export const buildReport = ({ reconciliation: r, feature, limits, queues, faults, coordinatorResets, startedAt, jobsAdded, duplicateAdds, elapsedMs, noisy }: ReportInput): SoakReport => {
  const { total } = r;
  const rate = rateReport(queues, feature, coordinatorResets, r, startedAt);
  const deferred = asyncReport(queues, feature, r);
  const checks: Check[] = [
    { name: 'jobs not ended as their seed dictates', value: total.wrong, ok: total.wrong === 0 },
    { name: 'lost (added, gone from Redis)', value: total.lost, ok: total.lost === 0 },
    { name: 'stuck after the drain deadline', value: total.stuck + r.unfinishedInRedis, ok: total.stuck + r.unfinishedInRedis === 0 },
    { name: 'finished jobs nobody added (failed dedup)', value: r.unexpected, ok: r.unexpected === 0 },
    { name: 'calls over the concurrency limit in force', value: feature.violationCount, ok: feature.violationCount === 0 },
    { name: 'duplicate calls on jobs no fault interrupted', value: total.extraUnexplained, ok: total.extraUnexplained === 0 },
    { name: 'feature calls badly signed or malformed', value: feature.badRequests, ok: feature.badRequests === 0 },
    ...rate.checks,
    ...deferred.checks,
  ];
  const finished = total.completed + total.failed;
  const throughput = Math.round((finished * 1000) / Math.max(1, r.lastFinishedAt - r.firstAddedAt));
  const p50 = percentile(total.latencies, 50);
  const p99 = percentile(total.latencies, 99);

  const fateRows: Cell[][] = [...r.fates, ['all', total] as const].map(([fate, t]) => [
    fate,
    t.expected,
    t.completed,
    t.failed,
    t.asSeedSays,
    t.wrong,
    t.lost,
    t.stuck,
    t.extraInterrupted,
    t.extraUnexplained,
    percentile(t.latencies, 50),
    percentile(t.latencies, 99),
  ]);
  const faultRows: Cell[][] = faults.map((f) => [seconds(f.at), f.name, seconds(f.tookMs), f.name.startsWith(' ') ? f.interrupted : '']);
  const queueRows: Cell[][] = queues.map((q) => {
    const stats = feature.queueStats(q.name);
    return [q.name, limits.describe(q.name), q.timeoutMs, q.attempts, stats.calls, stats.peak, stats.atLimit];
  });
  const binding = queues.filter((q) => feature.queueStats(q.name).atLimit > 0).length;
  const violations = feature.violations.map((v) => `  ${v.queue}/${v.jobId} at ${new Date(v.at).toISOString()}: ${v.inFlight} in flight, limit ${v.allowed}`);
  const text = [
    `jobs added ${jobsAdded} (${duplicateAdds} re-adds of a custom id, expected to dedup) → ${total.expected} unique jobs; run ${seconds(elapsedMs)} s`,
    `throughput ${throughput} jobs/s (first add → last finish); enqueue → finished p50 ${p50} ms, p99 ${p99} ms`,
    `stalled (taken over after a kill or lost lock): once ${r.stalledOnce}, more than once ${r.stalledMore}`,
    ...(noisy
      ? [`noisy queue ${noisy.name} (not reconciled, not in the figures above): concurrency ${noisy.concurrency}, ${noisy.calls} calls of ${seconds(noisy.callMs)} s, peak ${noisy.peak} in flight`]
      : []),
    '',
    renderTable(['fate', 'expected', 'completed', 'failed', 'as seed says', 'wrong', 'lost', 'stuck', 'extra calls (interrupted)', 'extra calls (unexplained)', 'p50 ms', 'p99 ms'], fateRows),
    '',
    renderTable(['at s', 'fault', 'took s', 'jobs maybe interrupted'], faultRows),
    '',
    renderTable(['queue', 'concurrency limit', 'timeout ms', 'attempts', 'feature calls', 'peak in flight', 'calls arriving at the limit'], queueRows),
    `the limit was reached (binding) on ${binding} of ${queues.length} queues`,
    ...(rate.text ? ['', rate.text] : []),
    ...(deferred.text ? ['', deferred.text] : []),
    '',
    renderTable(['check', 'value', 'verdict'], checks.map((c) => [c.name, c.value, c.ok ? 'ok' : 'FAILED'])),
    ...(r.examples.length ? ['', 'examples:', ...r.examples.map((e) => `  ${e}`)] : []),
    ...(violations.length ? ['', 'over the limit:', ...violations] : []),
  ].join('\n');
  return { ok: checks.every((c) => c.ok), checks, reconciliation: r, jobsAdded, duplicateAdds, throughput, p50, p99, text };
};
