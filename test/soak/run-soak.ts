// One soak: start everything, register the queues, add the jobs over the add window while the
// fault schedule runs, let the rest drain, reconcile, report — and stop everything it started,
// whatever happened.

import type { Redis } from 'ioredis';
import { teardown } from '../support/teardown.ts';
import { waitFor } from '../support/wait.ts';
import { FaultSchedule } from './faults.ts';
import { LimitTimeline } from './limits.ts';
import { planSoak } from './plan.ts';
import { Producer } from './producer.ts';
import { Progress } from './progress.ts';
import { activeJobs, countJobs } from './queue-counts.ts';
import { reconcile } from './reconcile.ts';
import { buildReport, type SoakReport } from './report.ts';
import { SoakServices } from './services.ts';

const BRIDGE_IDS = { main: 'soak-a', second: 'soak-b' };
/** Delayed jobs wait at most this share of the add window (and never more than MAX_JOB_DELAY_MS). */
const DELAY_SHARE = 0.1;
const MAX_JOB_DELAY_MS = 30_000;
const DRAIN_POLL_MS = 500;

export interface SoakOptions {
  jobs: number;
  queues: number;
  seed: number;
  /** The jobs are added evenly over this long, and the fault schedule spans it. */
  addWindowMs: number;
  /** How long the jobs still have to finish once the adds and the faults are done. */
  drainMs: number;
  log: (line: string) => void;
}

const quietClient = (redis: { client(): Redis }): Redis => {
  const client = redis.client();
  // Redis restarts on schedule; ioredis reconnects and the commands wait for it.
  client.on('error', () => {});
  return client;
};

export const runSoak = async ({ jobs, queues, seed, addWindowMs, drainMs, log }: SoakOptions): Promise<SoakReport> => {
  const plan = planSoak({ seed, jobs, queues, maxDelayMs: Math.min(MAX_JOB_DELAY_MS, Math.round(addWindowMs * DELAY_SHARE)) });
  const names = plan.queues.map((queue) => queue.name);
  const limits = new LimitTimeline(plan.queues.map((queue) => [queue.name, queue.concurrency]));
  log(`seed ${seed}: ${plan.jobs.length} adds on ${plan.queues.length} queues over ${addWindowMs / 1000} s, then up to ${drainMs / 1000} s to drain`);
  const services = await SoakServices.start(limits);
  const producerRedis = quietClient(services.redis);
  const monitorRedis = quietClient(services.redis);
  const producer = new Producer(producerRedis, plan);
  let progress: Progress | undefined;
  try {
    await Promise.all(plan.queues.map((queue) => services.edge.putRegistration(queue.name, { endpoint: services.feature.url, ...queue.registration })));
    await services.startBridge(BRIDGE_IDS.main, names);
    const faults = new FaultSchedule({
      services,
      limits,
      queues: plan.queues,
      bridgeIds: BRIDGE_IDS,
      activeJobs: () => activeJobs(monitorRedis, plan.queues),
      gate: producer,
    });
    const startedAt = Date.now();
    progress = new Progress({
      redis: monitorRedis,
      queues: plan.queues,
      startedAt,
      expected: () => producer.expected.size,
      added: () => producer.added,
      totalAdds: plan.jobs.length,
      fault: () => faults.current,
      bridges: () => services.bridgeCount,
      log,
    });
    await Promise.all([producer.run(startedAt, addWindowMs), faults.run(startedAt, addWindowMs)]);
    log(`adds and faults done after ${Math.round((Date.now() - startedAt) / 1000)} s; draining`);
    await waitFor(
      async () => {
        const counts = await countJobs(monitorRedis, plan.queues);
        return counts.unfinished === 0 && counts.finished >= producer.expected.size;
      },
      { timeoutMs: drainMs, intervalMs: DRAIN_POLL_MS, what: 'every job to finish' },
    ).catch(() => log(`drain deadline (${drainMs / 1000} s) passed with jobs unfinished`));
    const elapsedMs = Date.now() - startedAt;
    progress.stop();
    log('reconciling every job against its seed');
    const reconciliation = await reconcile(monitorRedis, producer.expected, services.feature, faults.interrupted, plan.queues);
    return buildReport({
      reconciliation,
      feature: services.feature,
      limits,
      queues: plan.queues,
      faults: faults.records,
      jobsAdded: producer.added,
      duplicateAdds: producer.duplicateAdds,
      elapsedMs,
    });
  } finally {
    await teardown(
      () => progress?.stop(),
      () => producer.close(),
      () => producerRedis.disconnect(),
      () => monitorRedis.disconnect(),
      () => services.close(),
    );
  }
};
