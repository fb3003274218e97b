// node test/bench/metrics-cost.ts — CPU per try that BridgeMetrics.record adds to the bridge, in
// isolation (the whole-path bench is too noisy on a shared machine to see a few microseconds).

import { parseArgs } from 'node:util';
import type { Job } from 'bullmq';
import { BridgeMetrics } from '../../bridge/metrics.ts';
import type { TryOutcome } from '../../bridge/try-outcome.ts';

const { values: args } = parseArgs({ options: { tries: { type: 'string', default: '1000000' }, queues: { type: 'string', default: '38' } } });
const tries = Number(args.tries);
const queueCount = Number(args.queues);

const OUTCOMES: TryOutcome[] = [
  { outcome: 'completed', result: null, durationMs: 12 },
  { outcome: 'failed', retryable: true, error: { message: 'x' }, durationMs: 40 },
  { outcome: 'throttled', retryAfterMs: 1_000, reason: 'busy' },
];
const now = Date.now();
const jobs = Array.from({ length: queueCount }, (_, i) => ({ queueName: `queue-${i}`, timestamp: now - 500, processedOn: now - 100, attemptsMade: 0, opts: { attempts: 3 } }) as unknown as Job);

const metrics = new BridgeMetrics('bench');
const run = (count: number) => {
  for (let i = 0; i < count; i++) metrics.record(jobs[i % queueCount], OUTCOMES[i % OUTCOMES.length], now);
};
run(10_000); // warm-up
const before = process.cpuUsage();
run(tries);
const { user, system } = process.cpuUsage(before);
const exposition = await metrics.text(jobs.map((job) => ({ queue: job.queueName, limit: 10 })));
console.log(`${tries} tries over ${queueCount} queues: ${((user + system) / tries).toFixed(2)} µs CPU per try; a scrape is ${Math.round(exposition.length / 1024)} KiB`);
