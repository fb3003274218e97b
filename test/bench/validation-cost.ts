// node test/bench/validation-cost.ts — CPU per call of the input checks the admin, producer and ops
// routes run, in isolation, and how long loading them takes. Uses only entry points that predate
// the schemas (issue 9), so the same script measures the commit before them.

import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { calls: { type: 'string', default: '200000' } } });
const calls = Number(args.calls);

const loadStarted = performance.now();
const [{ checkRegistrationInput }, { parseJobOptions }, { parseEnqueueBody }, { parsePurge, parseRedrive }] = await Promise.all([
  import('../../src/registration.ts'),
  import('../../src/jobs/job-options.ts'),
  import('../../worker/enqueue/enqueue-body.ts'),
  import('../../bridge/ops/ops-input.ts'),
]);
const loadMs = performance.now() - loadStarted;

const POLICY = { allowPrivateEndpoints: false, selfOrigin: 'https://edge.example' };
const REGISTRATION = { endpoint: 'https://email-api.example', concurrency: 10, timeoutMs: 15_000, retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 1_000 } } };
const BAD_REGISTRATION = { endpoint: 'ftp://x', concurrency: 0, colour: 'red' };
const ENQUEUE = { name: 'welcome', data: { to: 'ada@example.com' }, opts: { jobId: 'welcome-42', delay: 5_000, attempts: 5, backoff: { type: 'exponential', delay: 1_000 } } };
const refused = (check: () => unknown) => () => {
  try {
    check();
  } catch {
    // a 400 is the expected answer here
  }
};

const CASES: [string, () => unknown][] = [
  ['admin PUT body, valid', () => checkRegistrationInput('email', REGISTRATION, { requireEndpoint: true, endpoints: POLICY })],
  ['admin PUT body, 3 bad fields', () => checkRegistrationInput('email', BAD_REGISTRATION, { requireEndpoint: true, endpoints: POLICY })],
  ['producer body, valid', () => parseEnqueueBody(ENQUEUE)],
  ['producer body, bad opts', refused(() => parseEnqueueBody({ data: {}, opts: { delay: -1, colour: 1 } }))],
  ['job options (Node client), valid', () => parseJobOptions(ENQUEUE.opts)],
  ['ops redrive body, valid', () => parseRedrive({ olderThanMs: 60_000, errorContains: 'timeout', perSecond: 5 })],
  ['ops purge body, valid', () => parsePurge({ states: ['completed', 'failed'] })],
];

console.log(`loading the checks: ${loadMs.toFixed(0)} ms`);
for (const [label, check] of CASES) {
  for (let i = 0; i < 5_000; i++) check(); // warm-up
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) check();
  const { user, system } = process.cpuUsage(before);
  console.log(`${label}: ${((user + system) / calls).toFixed(2)} µs CPU per call`);
}
