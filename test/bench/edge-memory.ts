// node test/bench/edge-memory.ts — does the local edge's memory stay flat over a long run? Jobs go
// through the whole path (Redis → bridge process → the edge as `npm start` runs it → a no-op
// feature) at a steady enqueue rate; every --sample-every finished jobs it prints the RSS of the
// edge's processes (workerd, and the Miniflare launcher that started it) and workerd's CPU so far.
// Flat means every workerd sample after --warmup jobs lies within ±20 % of the first one after it
// (issue 13; BENCHMARKS.md, "Local runtime"), with a warm-up of at most 10 % of the run so the
// check covers the run, not its tail. Exits 1 if not flat.
//   node test/bench/edge-memory.ts --jobs 20000 --rate 150 --sample-every 2000 --warmup 2000

import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { bridgeEnv, BridgeProcess } from '../support/bridge.ts';
import { EdgeServer } from '../support/edge.ts';
import { RedisServer } from '../support/redis.ts';
import { teardown } from '../support/teardown.ts';
import { sleep, waitFor } from '../support/wait.ts';
import { NoopFeature } from './noop-feature.ts';
import { processTree, sampleProcess } from './proc-stats.ts';
import { mb, renderTable, type Cell } from './table.ts';

const FLAT_TOLERANCE = 0.2;
const MAX_WARMUP_SHARE = 0.1;
const TICK_MS = 100;
const CONCURRENCY = 20;
const QUEUE = 'edge-memory';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '150' },
    'sample-every': { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '2000' },
  },
});
const total = Number(args.jobs);
const perTick = Math.max(1, Math.round((Number(args.rate) * TICK_MS) / 1000));
const sampleEvery = Number(args['sample-every']);
const warmup = Number(args.warmup);
if (warmup > total * MAX_WARMUP_SHARE) throw new RangeError(`--warmup ${warmup} is more than ${MAX_WARMUP_SHARE * 100} % of --jobs ${total}`);

const redis = await RedisServer.start();
const feature = await NoopFeature.start();
const edge = await EdgeServer.start();
/** The bridge as `npm start` runs it (its default registration poll and heartbeat), not the tests' fast ones. */
const BRIDGE_ENV = { QUEUE_COMPLETED_RETENTION_COUNT: '10000000', BRIDGE_LOCK_DURATION_MS: '30000', BRIDGE_SYNC_INTERVAL_MS: '2000', BRIDGE_HEARTBEAT_INTERVAL_MS: '5000' };
const bridge = await BridgeProcess.start(bridgeEnv(edge.url, redis.port, BRIDGE_ENV));
const producer = new Queue(QUEUE, { connection: redis.connection });

/** RSS of the launcher, and RSS and CPU of each workerd below it. */
const edgeStats = (): { launcher: number; workerd: number; workerdCpuMs: number } => {
  const workerd = processTree(edge.pid).map((p) => sampleProcess(p.pid));
  return {
    launcher: sampleProcess(edge.pid).rssBytes,
    workerd: workerd.reduce((sum, p) => sum + p.rssBytes, 0),
    workerdCpuMs: workerd.reduce((sum, p) => sum + p.cpuMs, 0),
  };
};

/** Enqueues `total` jobs at `perTick` per tick, in the background. */
const produce = async (): Promise<void> => {
  for (let added = 0; added < total; added += perTick) {
    const size = Math.min(perTick, total - added);
    await Promise.all([producer.addBulk(Array.from({ length: size }, (_, i) => ({ name: 'memory', data: { n: added + i } }))), sleep(TICK_MS)]);
  }
};

try {
  await edge.putRegistration(QUEUE, { endpoint: feature.url, concurrency: CONCURRENCY, timeoutMs: 30_000 });
  await waitFor(async () => ((await (await fetch(`${bridge.url}/internal/status`)).json()) as { workers: { queue: string; running: boolean }[] }).workers.some((w) => w.queue === QUEUE && w.running), {
    timeoutMs: 30_000,
    what: 'the bridge to run the queue',
  });
  const started = Date.now();
  const producing = produce();
  const rows: Cell[][] = [];
  const samples: { jobs: number; bytes: number }[] = [];
  const record = (jobs: number) => {
    const stats = edgeStats();
    samples.push({ jobs, bytes: stats.workerd });
    rows.push([jobs, Math.round((Date.now() - started) / 1000), mb(stats.workerd), mb(stats.launcher), mb(stats.launcher + stats.workerd), (stats.workerdCpuMs / 1000).toFixed(1)]);
    process.stderr.write(`${jobs} jobs: workerd ${mb(stats.workerd)} MB\n`);
  };
  record(0);
  let failed = 0;
  for (let next = sampleEvery; next <= total; next += sampleEvery) {
    const finished = await waitFor(
      async () => {
        const counts = await producer.getJobCounts('completed', 'failed');
        failed = counts.failed;
        return counts.completed + counts.failed >= next ? counts.completed + counts.failed : 0;
      },
      { timeoutMs: 10 * 60_000, intervalMs: 250, what: `${next} finished jobs` },
    );
    record(finished);
  }
  await producing;
  console.log(renderTable(['jobs finished', 's', 'workerd MB', 'launcher MB', 'edge MB', 'workerd CPU s'], rows));
  const steady = samples.filter((s) => s.jobs >= warmup);
  const base = steady[0]?.bytes ?? 0;
  const deviation = Math.max(...steady.map((s) => Math.abs(s.bytes - base) / base));
  const flat = deviation <= FLAT_TOLERANCE;
  console.log(`workerd RSS after ${warmup} jobs: ${mb(base)} MB, largest deviation ${(deviation * 100).toFixed(1)} % (limit ±${FLAT_TOLERANCE * 100} %): ${flat ? 'flat' : 'GROWING'}; ${failed} failed job(s)`);
  if (!flat) process.exitCode = 1;
} finally {
  await teardown(
    () => producer.close(),
    () => bridge.stop(),
    () => edge.close(),
    () => feature.close(),
    () => redis.close(),
  );
}
