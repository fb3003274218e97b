// Cloudflare's list prices for what the edge uses, beyond the Workers Paid plan's monthly
// inclusions (which this table ignores: it prices the margin, as a deployment past them pays).
// Read 2026-11-28 from:
//   Workers       https://developers.cloudflare.com/workers/platform/pricing/        $0.30 / M requests
//   Durable Objs  https://developers.cloudflare.com/durable-objects/platform/pricing/ $0.15 / M requests
//                 (every RPC method call and every alarm invocation is one), $12.50 / M GB-s of
//                 duration at 128 MB while active or unable to hibernate; SQLite storage:
//                 $0.001 / M rows read, $1.00 / M rows written
//   Workers KV    https://developers.cloudflare.com/kv/platform/pricing/              $0.50 / M reads,
//                 $5.00 / M writes, deletes and lists
// Not priced: Workers CPU time ($0.02 / M CPU-ms; the isolate cannot count its own), storage
// (kilobytes per queue), and the peers' figures, which BENCHMARKS.md quotes beside these.

import type { Usage } from '../../worker/metering/usage.ts';

const PER_MILLION = 1e-6;
/** A Durable Object is billed for 128 MB while awake. */
const DO_MEMORY_GB = 0.128;

export const PRICES_READ_ON = '2026-11-28';

/** Dollars per unit. */
export const PRICES: Record<Exclude<keyof Usage, 'activeMs'>, number> & { gbSecond: number } = {
  workerRequests: 0.3 * PER_MILLION,
  doRequests: 0.15 * PER_MILLION,
  alarms: 0.15 * PER_MILLION,
  rowsRead: 0.001 * PER_MILLION,
  rowsWritten: 1.0 * PER_MILLION,
  kvReads: 0.5 * PER_MILLION,
  kvWrites: 5.0 * PER_MILLION,
  kvDeletes: 5.0 * PER_MILLION,
  kvLists: 5.0 * PER_MILLION,
  gbSecond: 12.5 * PER_MILLION,
};

/** What `usage` costs, in dollars. */
export const priceOf = (usage: Usage): number =>
  usage.workerRequests * PRICES.workerRequests +
  usage.doRequests * PRICES.doRequests +
  usage.alarms * PRICES.alarms +
  usage.rowsRead * PRICES.rowsRead +
  usage.rowsWritten * PRICES.rowsWritten +
  usage.kvReads * PRICES.kvReads +
  usage.kvWrites * PRICES.kvWrites +
  usage.kvDeletes * PRICES.kvDeletes +
  usage.kvLists * PRICES.kvLists +
  (usage.activeMs / 1000) * DO_MEMORY_GB * PRICES.gbSecond;

/** Seconds in the month the figures are scaled to (30 days). */
export const MONTH_SECONDS = 30 * 24 * 3600;
