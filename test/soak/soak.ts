// npm run soak — every kind of job through every kind of fault, then each job held against the fate
// its seed dictates. Exits 1 if any check fails.
//   --jobs 100000   adds (a few are re-adds of a custom id, which must dedup)
//   --queues 38     registrations, concurrency 1–20 (plus two rate-limited ones, rate-queues.ts)
//   --seed N        reproduces a run's jobs and fates (default: random, printed)
//   --rate R        jobs added per second; the faults spread over the adds (default 40)
//   --drain S       then, jobs unfinished after S seconds without any job finishing are stuck (default 60)
//   --noisy         plus a queue of concurrency 200 kept full of slow calls all along (not reconciled)
//   --noisy-call-s S  how long each of its calls takes (default 60)

import { parseArgs } from 'node:util';
import { DEFAULT_NOISY_CALL_MS } from './noisy-queue.ts';
import { runSoak } from './run-soak.ts';

/**
 * Below what a 2-core machine running every tier finishes (about 60 jobs/s with the faults). Far
 * above it, hundreds of calls queue inside the one local workerd, and its feature-call timeouts
 * fire on answers it has not got round to reading: jobs are then charged for the edge's backlog.
 */
const ADD_RATE = 40;
/** The fault schedule needs about this long. */
const MIN_WINDOW_S = 60;
const DRAIN_IDLE_S = 60;

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100000' },
    queues: { type: 'string', default: '38' },
    seed: { type: 'string' },
    rate: { type: 'string' },
    drain: { type: 'string' },
    noisy: { type: 'boolean', default: false },
    'noisy-call-s': { type: 'string' },
  },
});
const jobs = Number(values.jobs);
const windowS = Math.max(MIN_WINDOW_S, Math.round(jobs / (values.rate ? Number(values.rate) : ADD_RATE)));
const drainS = values.drain ? Number(values.drain) : DRAIN_IDLE_S;
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const report = await runSoak({ jobs, queues: Number(values.queues), seed, addWindowMs: windowS * 1000, drainIdleMs: drainS * 1000, noisyCallMs: values.noisy ? Number(values['noisy-call-s'] ?? DEFAULT_NOISY_CALL_MS / 1000) * 1000 : undefined, log });
console.log(`\n${report.text}\n`);
console.log(report.ok ? 'soak passed' : `soak FAILED (seed ${seed})`);
process.exit(report.ok ? 0 : 1);
