// npm run bench — what the edge hop costs, measured against its peers in one run, on one machine,
// one Redis and one no-op feature API, alternating the variants so noise hits all alike:
//   A  BullMQ Worker, in-process no-op processor     (the queue's own ceiling)
//   B  BullMQ Worker → feature over keep-alive HTTP  (the seed's design, no edge)
//   C  Queue Worker: bridge (as the container runs it: npm run build:bridge's bundle, with the
//      Node flags of the Dockerfile's ENTRYPOINT) → edge
//      (workerd, as npm start runs it) → feature
// Options: --scale 0.25 (fewer jobs), --rounds 2, --scenarios one,many,idle,busy, --idle-seconds 60,
//          --busy-seconds 60, --busy-rate 200
// The edge's cost comes from the units it counts itself (GET /internal/usage), priced by prices.ts.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue, QueueEvents } from 'bullmq';
import { percentile } from '../../src/percentile.ts';
import { ChildService } from '../../scripts/child-service.ts';
import { EdgeServer } from '../support/edge.ts';
import { RedisServer } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import type { Usage } from '../../worker/metering/usage.ts';
import { addJobs, buildBridge, startBenchBridge } from './bench-bridge.ts';
import { readEdgeUsage, usageBetween, type EdgeUsage, type UsageScope } from './edge-usage.ts';
import { NoopFeature } from './noop-feature.ts';
import { edgeCostReport, type BusyQueueCost } from './cost-report.ts';
import { MONTH_SECONDS, priceOf } from './prices.ts';
import { connectionsTo, PeakRss, sampleProcess } from './proc-stats.ts';
import { mb, renderTable, type Cell } from './table.ts';

type Variant = 'A' | 'B' | 'C';
const VARIANTS: Variant[] = ['A', 'B', 'C'];
const DIRECT_WORKER = fileURLToPath(new URL('./direct-worker.ts', import.meta.url));
/** Finished jobs are read back this many at a time. */
const READ_PAGE = 1_000;
const IDLE_SETTLE_MS = 3_000;
/** The busy queue's ramp (first reservation writes, first alarm) is a one-off, not a monthly cost. */
const BUSY_WARMUP_MS = 5_000;
const BUSY_FEED_TICK_MS = 100;

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
    scenarios: { type: 'string', default: 'one,many,idle,busy' },
    'idle-seconds': { type: 'string', default: '60' },
    'busy-seconds': { type: 'string', default: '60' },
    'busy-rate': { type: 'string', default: '200' },
  },
});
const scale = Number(args.scale);
const rounds = Number(args.rounds);
const scenarios = new Set(args.scenarios.split(','));
const idleSeconds = Number(args['idle-seconds']);
const busySeconds = Number(args['busy-seconds']);
const busyRate = Number(args['busy-rate']);
/** A job's own cost: its dispatch requests and its queue's coordinator, not the bridge's polls. */
const PER_JOB: UsageScope = { routes: ['dispatch'], singletons: false };
/** A bridge's fixed cost: everything but the bench's own reads of the figures. */
const FIXED: UsageScope = { routes: ['dispatch', 'registrations', 'heartbeat', 'status', 'other'], singletons: true };

interface RunResult {
  scenario: string;
  variant: Variant;
  jobs: number;
  jobsPerSecond: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Idle scenario: add() → the feature has the job. */
  reachP50?: number | null;
  rssMb: number;
  cpuS: number;
  edgeCpuS: number | null;
  redisConnections: number;
  /** Variant C: the edge's billable units during the run (PER_JOB scope). */
  edgeUsage?: Usage;
}

interface Consumer {
  pid: number;
  stop(): Promise<void>;
}

const redis = await RedisServer.start();
const feature = await NoopFeature.start();
const edge = await EdgeServer.start();
buildBridge();
const bridge = await startBenchBridge(edge.url, redis.port);
const producer = redis.client();
let runCounter = 0;

const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

const bridgeWorkers = async (): Promise<{ queue: string; running: boolean }[]> =>
  ((await (await fetch(`${bridge.url}/internal/status`)).json()) as { workers: { queue: string; running: boolean }[] }).workers;

const startConsumer = async (variant: Variant, queues: string[], concurrency: number): Promise<Consumer> => {
  if (variant === 'C') {
    await Promise.all(queues.map((name) => edge.putRegistration(name, { endpoint: feature.url, concurrency, timeoutMs: 30_000 })));
    await waitFor(async () => (await bridgeWorkers()).filter((w) => queues.includes(w.queue) && w.running).length === queues.length, {
      timeoutMs: 30_000,
      what: 'the bridge to run every queue',
    });
    return {
      pid: bridge.pid,
      stop: async () => {
        await Promise.all(queues.map((name) => edge.deleteRegistration(name)));
        await waitFor(async () => !(await bridgeWorkers()).some((w) => queues.includes(w.queue)), { timeoutMs: 30_000, what: 'workers to stop' });
      },
    };
  }
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const options = { mode: variant === 'A' ? 'inprocess' : 'http', redisPort: redis.port, queues, concurrency, featureUrl: feature.url };
  const child = new ChildService({
    command: process.execPath,
    args: [DIRECT_WORKER, JSON.stringify(options)],
    onLine: (line) => line === 'ready' && ready(),
  });
  await Promise.race([isReady, child.exited.then(() => Promise.reject(new Error(`direct worker exited:\n${child.output}`)))]);
  return { pid: child.pid, stop: async () => void (await child.stop()) };
};

const edgeCpuMs = () => sampleProcess(edge.pid, { withChildren: true }).cpuMs;

/** Pre-filled queues, then the consumer starts: jobs/s from the first start to the last finish. */
const runThroughput = async (scenario: string, variant: Variant, queueCount: number, jobsPerQueue: number, concurrency: number): Promise<RunResult> => {
  const run = ++runCounter;
  const names = Array.from({ length: queueCount }, (_, i) => `bench-${scenario}-${run}-${variant.toLowerCase()}-${i}`);
  const queues = names.map((name) => new Queue(name, { connection: producer }));
  await Promise.all(queues.map((queue) => addJobs(queue, jobsPerQueue)));
  const total = queueCount * jobsPerQueue;

  const consumer = await startConsumer(variant, names, concurrency);
  const usageBefore = variant === 'C' ? await readEdgeUsage(edge, names) : undefined;
  const cpuBefore = sampleProcess(consumer.pid).cpuMs;
  const edgeBefore = variant === 'C' ? edgeCpuMs() : 0;
  const rss = new PeakRss(consumer.pid);
  let connections = 0;
  await waitFor(
    async () => {
      connections = Math.max(connections, connectionsTo(consumer.pid, redis.port));
      const counts = await Promise.all(queues.map((queue) => queue.getJobCounts('completed', 'failed')));
      return counts.reduce((sum, c) => sum + c.completed + c.failed, 0) >= total;
    },
    { timeoutMs: 30 * 60_000, intervalMs: 250, what: `${total} jobs (${scenario}, ${variant})` },
  );
  const cpuS = (sampleProcess(consumer.pid).cpuMs - cpuBefore) / 1000;
  const edgeCpuS = variant === 'C' ? (edgeCpuMs() - edgeBefore) / 1000 : null;
  const edgeUsage = usageBefore && usageBetween(usageBefore, await readEdgeUsage(edge, names), PER_JOB);
  const rssMb = mb(rss.stop());
  await consumer.stop();

  let firstStart = Number.POSITIVE_INFINITY;
  let lastFinish = 0;
  const inWorker: number[] = [];
  for (const queue of queues) {
    for (let start = 0; start < jobsPerQueue; start += READ_PAGE) {
      for (const job of await queue.getJobs(['completed'], start, start + READ_PAGE - 1)) {
        firstStart = Math.min(firstStart, job.processedOn ?? Number.POSITIVE_INFINITY);
        lastFinish = Math.max(lastFinish, job.finishedOn ?? 0);
        inWorker.push((job.finishedOn ?? 0) - (job.processedOn ?? 0));
      }
    }
  }
  await Promise.all(queues.map(async (queue) => (await queue.obliterate({ force: true }), await queue.close())));
  inWorker.sort((a, b) => a - b);
  return {
    scenario,
    variant,
    jobs: total,
    jobsPerSecond: Math.round((total * 1000) / Math.max(1, lastFinish - firstStart)),
    p50: percentile(inWorker, 50),
    p95: percentile(inWorker, 95),
    p99: percentile(inWorker, 99),
    rssMb,
    cpuS,
    edgeCpuS,
    redisConnections: connections,
    ...(edgeUsage ? { edgeUsage } : {}),
  };
};

/** One job at a time to an idle queue: enqueue → completion, and enqueue → the feature has it. */
const runIdle = async (variant: Variant, count: number): Promise<RunResult> => {
  const name = `bench-idle-${++runCounter}-${variant.toLowerCase()}`;
  const queue = new Queue(name, { connection: producer });
  const events = new QueueEvents(name, { connection: { host: '127.0.0.1', port: redis.port } });
  await events.waitUntilReady();
  const consumer = await startConsumer(variant, [name], 5);
  const usageBefore = variant === 'C' ? await readEdgeUsage(edge, [name]) : undefined;
  const rss = new PeakRss(consumer.pid);
  const cpuBefore = sampleProcess(consumer.pid).cpuMs;
  const endToEnd: number[] = [];
  const reach: number[] = [];
  feature.arrivals.clear();
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const job = await queue.add('idle', { n: i });
    await job.waitUntilFinished(events, 30_000);
    const finished = await queue.getJob(job.id!);
    endToEnd.push((finished?.finishedOn ?? 0) - (finished?.timestamp ?? 0));
    const arrived = variant === 'A' ? undefined : feature.arrivals.get(job.id!);
    if (arrived !== undefined) reach.push(arrived - started);
  }
  const cpuS = (sampleProcess(consumer.pid).cpuMs - cpuBefore) / 1000;
  const edgeUsage = usageBefore && usageBetween(usageBefore, await readEdgeUsage(edge, [name]), PER_JOB);
  const connections = connectionsTo(consumer.pid, redis.port);
  const rssMb = mb(rss.stop());
  await consumer.stop();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  endToEnd.sort((a, b) => a - b);
  reach.sort((a, b) => a - b);
  const reachP50 = percentile(reach, 50);
  return {
    scenario: 'idle',
    variant,
    jobs: count,
    jobsPerSecond: null,
    p50: percentile(endToEnd, 50),
    p95: percentile(endToEnd, 95),
    p99: percentile(endToEnd, 99),
    reachP50: reachP50 === null ? null : Math.round(reachP50 * 10) / 10,
    rssMb,
    cpuS,
    edgeCpuS: null,
    redisConnections: connections,
    ...(edgeUsage ? { edgeUsage } : {}),
  };
};

/**
 * The bridge alone with 38 registered, idle queues: memory, Redis connections, and what the edge
 * spends on it (registration polls, heartbeats) over `idleSeconds`, as dollars per month.
 */
const measureIdleBridge = async (): Promise<{ rssMb: number; connections: number; usage: Usage; perMonth: number; seconds: number }> => {
  const names = Array.from({ length: 38 }, (_, i) => `bench-idle38-${i}`);
  const consumer = await startConsumer('C', names, 5);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
  const rssMb = mb(sampleProcess(consumer.pid).rssBytes);
  const connections = connectionsTo(consumer.pid, redis.port);
  const before = await readEdgeUsage(edge, names);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
  const after = await readEdgeUsage(edge, names);
  const usage = usageBetween(before, after, FIXED);
  const rowsOf = (part: keyof Pick<EdgeUsage, 'registryIndex' | 'bridgeMonitor'>) => after[part].rowsWritten - before[part].rowsWritten;
  log(`idle window: rows written by the registry index ${rowsOf('registryIndex')}, the bridge monitor ${rowsOf('bridgeMonitor')}, the coordinators ${usage.rowsWritten - rowsOf('registryIndex') - rowsOf('bridgeMonitor')}`);
  const seconds = (performance.now() - started) / 1000;
  const perMonth = (priceOf(usage) * MONTH_SECONDS) / seconds;
  await consumer.stop();
  return { rssMb, connections, usage, perMonth, seconds };
};

/**
 * One queue kept busy at a steady `busyRate` jobs/s through C: what its coordinator spends with
 * time (alarms, rows, awake time) over `busySeconds` after a warm-up, as dollars per month.
 */
const measureBusyQueue = async (): Promise<BusyQueueCost> => {
  const name = `bench-busy-${++runCounter}`;
  const queue = new Queue(name, { connection: producer });
  const consumer = await startConsumer('C', [name], 50);
  let added = 0;
  const feedStarted = performance.now();
  const feed = setInterval(() => {
    const due = Math.floor(((performance.now() - feedStarted) / 1000) * busyRate) - added;
    if (due <= 0) return;
    added += due;
    void queue.addBulk(Array.from({ length: due }, (_, i) => ({ name: 'busy', data: { n: added - due + i } })));
  }, BUSY_FEED_TICK_MS);
  try {
    await new Promise((resolve) => setTimeout(resolve, BUSY_WARMUP_MS));
    const before = await readEdgeUsage(edge, [name]);
    const completedBefore = (await queue.getJobCounts('completed')).completed;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, busySeconds * 1000));
    const usage = usageBetween(before, await readEdgeUsage(edge, [name]), PER_JOB);
    const seconds = (performance.now() - started) / 1000;
    const jobsPerSecond = ((await queue.getJobCounts('completed')).completed - completedBefore) / seconds;
    return { usage, seconds, jobsPerSecond };
  } finally {
    clearInterval(feed);
    await consumer.stop();
    await queue.obliterate({ force: true });
    await queue.close();
  }
};

const median = (values: (number | null | undefined)[]): number | null => {
  const present = values.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  if (present.length === 0) return null;
  const mid = Math.floor(present.length / 2);
  return present.length % 2 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
};

const results: RunResult[] = [];
try {
  const idleBridge = await measureIdleBridge();
  log(`bridge with 38 idle queues: RSS ${idleBridge.rssMb} MB, ${idleBridge.connections} Redis connections, edge $${idleBridge.perMonth.toFixed(2)}/month`);
  const busyQueue = scenarios.has('busy') ? await measureBusyQueue() : undefined;
  if (busyQueue) log(`busy queue: ${Math.round(busyQueue.jobsPerSecond)} jobs/s for ${Math.round(busyQueue.seconds)} s`);
  const plan: { scenario: string; run: (variant: Variant) => Promise<RunResult> }[] = [];
  if (scenarios.has('one')) plan.push({ scenario: 'one', run: (v) => runThroughput('one', v, 1, Math.round(20_000 * scale), 50) });
  if (scenarios.has('many')) plan.push({ scenario: 'many', run: (v) => runThroughput('many', v, 38, Math.round(1_000 * scale), 10) });
  if (scenarios.has('idle')) plan.push({ scenario: 'idle', run: (v) => runIdle(v, Math.max(20, Math.round(200 * scale))) });

  for (const { scenario, run } of plan) {
    for (let round = 0; round < rounds; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
      for (const variant of order) {
        log(`${scenario} round ${round + 1}/${rounds}: ${variant} …`);
        const result = await run(variant);
        results.push(result);
        log(
          `${scenario} ${variant}: ${result.jobsPerSecond ?? '—'} jobs/s, p50 ${result.p50} ms, RSS ${result.rssMb} MB, CPU ${result.cpuS.toFixed(1)} s`,
        );
      }
    }
  }

  const rows: Cell[][] = [];
  const summary = new Map<string, RunResult>();
  for (const { scenario } of plan) {
    for (const variant of VARIANTS) {
      const runs = results.filter((r) => r.scenario === scenario && r.variant === variant);
      const pick = (key: keyof RunResult) => median(runs.map((r) => r[key] as number | null));
      const row: RunResult = {
        scenario,
        variant,
        jobs: runs[0].jobs,
        jobsPerSecond: pick('jobsPerSecond'),
        p50: pick('p50'),
        p95: pick('p95'),
        p99: pick('p99'),
        reachP50: pick('reachP50'),
        rssMb: pick('rssMb') ?? 0,
        cpuS: pick('cpuS') ?? 0,
        edgeCpuS: pick('edgeCpuS'),
        redisConnections: pick('redisConnections') ?? 0,
      };
      summary.set(`${scenario}/${variant}`, row);
      const cpuPerJob = row.cpuS && row.jobs ? (row.cpuS * 1000) / row.jobs : null;
      rows.push([scenario, variant, row.jobs, row.jobsPerSecond, row.p50, row.p95, row.p99, row.reachP50, row.rssMb, row.cpuS, cpuPerJob, row.edgeCpuS, row.redisConnections]);
    }
  }
  console.log(`\nmedian of ${rounds} round(s); latency columns: in-worker time (active → completed) for one/many, enqueue → completed for idle\n`);
  console.log(
    renderTable(
      ['scenario', 'variant', 'jobs', 'jobs/s', 'p50 ms', 'p95 ms', 'p99 ms', 'reach feature p50 ms', 'RSS MB', 'CPU s', 'CPU ms/job', 'edge CPU s', 'Redis conns'],
      rows,
    ),
  );

  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? Math.round((a / b) * 100) / 100 : null);
  const checks: Cell[][] = [];
  for (const { scenario } of plan) {
    const [a, b, c] = VARIANTS.map((v) => summary.get(`${scenario}/${v}`)!);
    if (scenario === 'idle') {
      checks.push([scenario, 'C p50 − B p50 (ms)', c.p50 !== null && b.p50 !== null ? c.p50 - b.p50 : null, '≤ 6 (aim 3)', c.p50 === null || b.p50 === null ? '—' : c.p50 - b.p50 <= 3 ? 'met (aim)' : c.p50 - b.p50 <= 6 ? 'met' : 'missed']);
      checks.push([scenario, 'C reaches the feature, p50 ms', c.reachP50, '≤ 10', (c.reachP50 ?? Infinity) <= 10 ? 'met' : 'missed']);
    } else {
      const cb = ratio(c.jobsPerSecond, b.jobsPerSecond);
      checks.push([scenario, 'throughput C/B', cb, '≥ 0.25 (aim 0.5)', cb === null ? '—' : cb >= 0.5 ? 'met (aim)' : cb >= 0.25 ? 'met' : 'missed']);
      checks.push([scenario, 'throughput C/A', ratio(c.jobsPerSecond, a.jobsPerSecond), '—', '']);
      const cpuRatio = ratio(c.cpuS, b.cpuS);
      checks.push([scenario, 'bridge CPU per job, C/B', cpuRatio, '≤ 1.5', cpuRatio === null ? '—' : cpuRatio <= 1.5 ? 'met' : 'missed']);
      const queues = scenario === 'many' ? 38 : 1;
      checks.push([scenario, 'bridge Redis connections', c.redisConnections, `≤ ${queues + 2}`, c.redisConnections <= queues + 2 ? 'met' : 'missed']);
    }
  }
  checks.push(['idle-38', 'bridge RSS MB, 38 idle queues', idleBridge.rssMb, '≤ 95 (aim 80)', idleBridge.rssMb <= 80 ? 'met (aim)' : idleBridge.rssMb <= 95 ? 'met' : 'missed']);
  checks.push(['idle-38', 'bridge Redis connections, 38 idle queues', idleBridge.connections, '≤ 40', idleBridge.connections <= 40 ? 'met' : 'missed']);
  const cost = edgeCostReport(results, idleBridge, busyQueue);
  checks.push(...cost.checks);
  console.log(`\n${cost.text}`);
  console.log(`\n${renderTable(['scenario', 'measure', 'value', 'target', ''], checks)}`);
  console.log(`\n${cost.lines.join('\n')}`);
} finally {
  producer.disconnect();
  await bridge.stop();
  await Promise.all([edge.close(), feature.close(), redis.close()]);
}
