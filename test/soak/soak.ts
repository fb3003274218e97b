// npm run soak — every kind of job through every kind of fault, then each job held against the fate
// its seed dictates. Exits 1 if any check fails.
//   --jobs 100000   adds (a few are re-adds of a custom id, which must dedup)
//   --queues 38     registrations, concurrency 1–20
//   --seed N        reproduces a run's jobs and fates (default: random, printed)
//   --window S      seconds over which jobs are added and the faults spread (default: jobs / 100)
//   --drain S       seconds the jobs then have to finish (default: max(180, window))

import { parseArgs } from 'node:util';
import { runSoak } from './run-soak.ts';

/** Jobs added per second by default: about what a 2-core machine running everything gets through. */
const ADD_RATE = 100;
const MIN_WINDOW_S = 60;
const MIN_DRAIN_S = 180;

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100000' },
    queues: { type: 'string', default: '38' },
    seed: { type: 'string' },
    window: { type: 'string' },
    drain: { type: 'string' },
  },
});
const jobs = Number(values.jobs);
const windowS = values.window ? Number(values.window) : Math.max(MIN_WINDOW_S, Math.round(jobs / ADD_RATE));
const drainS = values.drain ? Number(values.drain) : Math.max(MIN_DRAIN_S, windowS);
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const report = await runSoak({ jobs, queues: Number(values.queues), seed, addWindowMs: windowS * 1000, drainMs: drainS * 1000, log });
console.log(`\n${report.text}\n`);
console.log(report.ok ? 'soak passed' : `soak FAILED (seed ${seed})`);
process.exit(report.ok ? 0 : 1);
