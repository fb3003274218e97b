// The soak at CI size: a few thousand jobs of every fate through every fault — bridge killed (twice
// in a row too), a second bridge joining and draining away, Redis and the edge restarted, a queue
// paused and resumed, concurrency lowered and raised, two queues held to a rate — then every job held
// against its seed.
// `npm run soak` is the same run at full size; SOAK_SEED reproduces a run's jobs.

import { expect, it } from 'vitest';
import { runSoak } from '../soak/run-soak.ts';

/** 33 jobs/s over the window: well under what this machine finishes, with the rest of the suite running beside it. */
const JOBS = 2_000;
const QUEUES = 38;
const ADD_WINDOW_MS = 60_000;
const DRAIN_IDLE_MS = 60_000;
/** Start-up, the window, the drain (about a minute here), reconciliation and teardown, with room to spare. */
const TEST_TIMEOUT_MS = 330_000;
const DEFAULT_SEED = 20_261_127;

it(`${JOBS} jobs on ${QUEUES} queues through every fault: each ends as its seed dictates, none lost or stuck, limits held`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const seed = Number(process.env.SOAK_SEED ?? DEFAULT_SEED);
  const progress: string[] = [];
  const report = await runSoak({ jobs: JOBS, queues: QUEUES, seed, addWindowMs: ADD_WINDOW_MS, drainIdleMs: DRAIN_IDLE_MS, log: (line) => progress.push(line) });

  console.log(report.ok ? report.text : [...progress, '', report.text].join('\n'));
  expect(report.checks.filter((check) => !check.ok)).toEqual([]);
  // The run exercised what it claims to: jobs of every fate, and faults that interrupted some.
  expect(report.reconciliation.total.expected).toBeGreaterThan(JOBS * 0.95);
  expect([...report.reconciliation.fates.values()].every((fate) => fate.expected > 0)).toBe(true);
  expect(report.duplicateAdds).toBeGreaterThan(0);
});
