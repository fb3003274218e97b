// node test/bench/bridge-profile.ts — the bridge's CPU per job on the bench's `one` scenario (one
// pre-filled queue, concurrency 50, the no-op feature, the local edge), with the bundle the
// container runs, as it runs it (bench-bridge.ts). `--bundles a.mjs,b.mjs` compares bundles instead (say, the parent commit's
// build copied aside), taking turns run by run so the machine's noise hits them alike;
// `--prof-dir <dir>` writes a V8 CPU profile (node --cpu-prof) of each bridge.
// Options: --jobs 5000, --runs 1. A bridge process per bundle and run, a fresh queue each.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { percentile } from '../../src/percentile.ts';
import { EdgeServer } from '../support/edge.ts';
import { RedisServer } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import { addJobs, BRIDGE_BUNDLE, buildBridge, startBenchBridge } from './bench-bridge.ts';
import { NoopFeature } from './noop-feature.ts';
import { sampleProcess } from './proc-stats.ts';

const CONCURRENCY = 50;

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
if (!args.bundles) buildBridge();
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
  await addJobs(queue, jobs);
  const bridge = await startBenchBridge(edge.url, redis.port, { bundle, nodeFlags: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [] });
  try {
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
    await bridge.stop();
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
