// One soak: start everything, register the queues, add the jobs over the add window while the
// fault schedule runs, let the rest drain, reconcile, report — and stop everything it started,
// whatever happened.

import type { Redis } from 'ioredis';
import { teardown } from '../support/teardown.ts';
import { sleep } from '../support/wait.ts';
import { FaultSchedule } from './faults.ts';
import { LimitTimeline } from './limits.ts';
import { NOISY_CONCURRENCY, NoisyQueue } from './noisy-queue.ts';
import { planSoak, type QueuePlan } from './plan.ts';
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
  /**
   * The drain deadline, as the machine's speed is unknown: once the adds and faults are done, jobs
   * still unfinished when none has finished for this long are stuck.
   */
  drainIdleMs: number;
  /** Adds a queue that keeps its 200 slots full of calls this long all along (noisy-queue.ts). */
  noisyCallMs?: number;
  log: (line: string) => void;
}

const quietClient = (redis: { client(): Redis }): Redis => {
  const client = redis.client();
  // Redis restarts on schedule; ioredis reconnects and the commands wait for it.
  client.on('error', () => {});
  return client;
};

/** Resolves once every expected job has finished, or once none has finished for `idleMs`. */
const drain = async (redis: Redis, queues: QueuePlan[], expected: () => number, idleMs: number, log: (line: string) => void): Promise<void> => {
  let finished = -1;
  let progressAt = Date.now();
  for (;;) {
    const counts = await countJobs(redis, queues);
    if (counts.unfinished === 0 && counts.finished >= expected()) return;
    if (counts.finished !== finished) [finished, progressAt] = [counts.finished, Date.now()];
    if (Date.now() - progressAt > idleMs) return log(`drain deadline: no job finished for ${idleMs / 1000} s, ${counts.unfinished} unfinished`);
    await sleep(DRAIN_POLL_MS);
  }
};

export const runSoak = async ({ jobs, queues, seed, addWindowMs, drainIdleMs, noisyCallMs, log }: SoakOptions): Promise<SoakReport> => {
  const plan = planSoak({ seed, jobs, queues, maxDelayMs: Math.min(MAX_JOB_DELAY_MS, Math.round(addWindowMs * DELAY_SHARE)) });
  const names = plan.queues.map((queue) => queue.name);
  const limits = new LimitTimeline(plan.queues.map((queue) => [queue.name, queue.concurrency]));
  log(`seed ${seed}: ${plan.jobs.length} adds on ${plan.queues.length} queues over ${addWindowMs / 1000} s; stuck = unfinished after ${drainIdleMs / 1000} s without progress`);
  const services = await SoakServices.start(limits, new Set(plan.queues.filter((queue) => queue.registration.completion === 'async').map((queue) => queue.name)));
  const producerRedis = quietClient(services.redis);
  const monitorRedis = quietClient(services.redis);
  const producer = new Producer(producerRedis, plan);
  let progress: Progress | undefined;
  let noisy: NoisyQueue | undefined;
  try {
    await Promise.all(plan.queues.map((queue) => services.edge.putRegistration(queue.name, { endpoint: services.feature.url, ...queue.registration })));
    if (noisyCallMs !== undefined) {
      noisy = await NoisyQueue.start({ edge: services.edge, connection: producerRedis, tag: (seed >>> 0).toString(36), callMs: noisyCallMs });
      log(`noisy queue ${noisy.name}: concurrency ${NOISY_CONCURRENCY}, every call ${noisyCallMs / 1000} s`);
    }
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
    await drain(monitorRedis, plan.queues, () => producer.expected.size, drainIdleMs, log);
    const elapsedMs = Date.now() - startedAt;
    progress.stop();
    log('reconciling every job against its seed');
    const reconciliation = await reconcile({
      redis: monitorRedis,
      expected: producer.expected,
      feature: services.feature,
      interrupted: faults.interrupted,
      queues: plan.queues,
      startedAt,
    });
    return buildReport({
      reconciliation,
      feature: services.feature,
      limits,
      queues: plan.queues,
      faults: faults.records,
      coordinatorResets: faults.coordinatorResets,
      startedAt,
      jobsAdded: producer.added,
      duplicateAdds: producer.duplicateAdds,
      elapsedMs,
      ...(noisy ? { noisy: { name: noisy.name, concurrency: NOISY_CONCURRENCY, callMs: noisy.callMs, ...noisy.stats() } } : {}),
    });
  } finally {
    await teardown(
      () => progress?.stop(),
      () => producer.close(),
      () => services.close(),
      () => noisy?.close(),
      () => producerRedis.disconnect(),
      () => monitorRedis.disconnect(),
    );
  }
};
