// node test/bench/bridge-profile.ts — the bridge's CPU per job on the bench's `one` scenario (one
// pre-filled queue, concurrency 50, the no-op feature, the local edge), with the bundle the
// container runs. `--bundles a.mjs,b.mjs` compares bundles instead (say, the parent commit's
// build copied aside), taking turns run by run so the machine's noise hits them alike;
// `--prof-dir <dir>` writes a V8 CPU profile (node --cpu-prof) of each bridge.
// Options: --jobs 5000, --runs 1. A bridge process per bundle and run, a fresh queue each.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_SYNC_INTERVAL_MS } from '../../bridge/config.ts';
import { percentile } from '../../src/percentile.ts';
import { ChildService } from '../../scripts/child-service.ts';
import { freePort } from '../../scripts/free-port.ts';
import { bridgeEnv } from '../support/bridge.ts';
import { EdgeServer } from '../support/edge.ts';
import { RedisServer } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import { NoopFeature } from './noop-feature.ts';
import { sampleProcess } from './proc-stats.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BRIDGE_BUNDLE = join(ROOT, 'dist', 'bridge', 'main.mjs');
const CONCURRENCY = 50;
const ADD_CHUNK = 1_000;
const LISTEN_DEADLINE_MS = 20_000;
const STOP_DEADLINE_MS = 30_000;

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '1' },
    bundles: { type: 'string' },
    'prof-dir': { type: 'string' },
  },
});
const jobs = Number(args.jobs);
const profDir = args['prof-dir'];
const bundles = args.bundles?.split(',') ?? [BRIDGE_BUNDLE];

const redis = await RedisServer.start();
const feature = await NoopFeature.start();
const edge = await EdgeServer.start();
if (!args.bundles) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-bridge.ts')], { stdio: 'inherit' });
const producer = redis.client();
const perJob = new Map<string, number[]>(bundles.map((bundle) => [bundle, []]));

/** Read and write system calls so far (/proc/<pid>/io): unlike CPU time, the machine's noise leaves them be. */
const syscalls = (pid: number): { reads: number; writes: number } => {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1]);
  return { reads: field('syscr'), writes: field('syscw') };
};

/** One bridge process of `bundle` through `jobs` pre-filled jobs: its CPU per job in ms (and its system calls per job, printed). */
const measure = async (bundle: string, run: number): Promise<number> => {
  const name = `profile-${run}-${basename(bundle, '.mjs')}-${Date.now()}`;
  const queue = new Queue(name, { connection: producer });
  for (let start = 0; start < jobs; start += ADD_CHUNK) {
    await queue.addBulk(Array.from({ length: Math.min(ADD_CHUNK, jobs - start) }, (_, i) => ({ name: 'bench', data: { n: start + i } })));
  }
  // As the bench runs C's bridge.
  const env = bridgeEnv(edge.url, redis.port, {
    PORT: String(await freePort()),
    QUEUE_COMPLETED_RETENTION_COUNT: '10000000',
    BRIDGE_LOCK_DURATION_MS: '30000',
    BRIDGE_SYNC_INTERVAL_MS: String(DEFAULT_SYNC_INTERVAL_MS),
    BRIDGE_HEARTBEAT_INTERVAL_MS: String(DEFAULT_HEARTBEAT_INTERVAL_MS),
  });
  const bridge = new ChildService({
    command: process.execPath,
    args: [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), bundle],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  try {
    await bridge.waitForHttp(`http://127.0.0.1:${env.PORT}/health`, LISTEN_DEADLINE_MS);
    const cpuBefore = sampleProcess(bridge.pid).cpuMs;
    const callsBefore = syscalls(bridge.pid);
    await edge.putRegistration(name, { endpoint: feature.url, concurrency: CONCURRENCY, timeoutMs: 30_000 });
    await waitFor(async () => Object.values(await queue.getJobCounts('completed', 'failed')).reduce((sum, n) => sum + n, 0) >= jobs, {
      timeoutMs: 30 * 60_000,
      intervalMs: 250,
      what: `${jobs} jobs`,
    });
    const cpuMs = sampleProcess(bridge.pid).cpuMs - cpuBefore;
    const calls = syscalls(bridge.pid);
    process.stdout.write(`${basename(bundle)}: ${((calls.reads - callsBefore.reads) / jobs).toFixed(2)} reads, ${((calls.writes - callsBefore.writes) / jobs).toFixed(2)} writes per job\n`);
    return cpuMs / jobs;
  } finally {
    // A drained exit (SIGTERM) is what writes the profile.
    await bridge.stop('SIGTERM', STOP_DEADLINE_MS);
    await edge.deleteRegistration(name);
    await queue.obliterate({ force: true });
    await queue.close();
  }
};

try {
  for (let run = 1; run <= Number(args.runs); run++) {
    for (let i = 0; i < bundles.length; i++) {
      const bundle = bundles[(i + run) % bundles.length];
      const ms = await measure(bundle, run);
      perJob.get(bundle)!.push(ms);
      process.stdout.write(`run ${run} ${basename(bundle)}: bridge CPU ${ms.toFixed(3)} ms/job\n`);
    }
  }
  for (const [bundle, values] of perJob) {
    process.stdout.write(`${basename(bundle)}: median ${percentile([...values].sort((a, b) => a - b), 50)?.toFixed(3)} ms/job over ${values.length} run(s)\n`);
  }
} finally {
  producer.disconnect();
  await edge.close();
  await feature.close();
  await redis.close();
}
