// Bulk redrive of the failed set (the dead-letter queue): the jobs that match, oldest failure first,
// back to waiting with fresh attempts, at most `perSecond` of them a second so a feature that has
// just recovered is not flooded. The matches are found first, then retried one by one.

import { Job } from 'bullmq';
import type { QueueRunner } from '../queue-runner.ts';
import type { RedriveInput } from './ops-input.ts';
import { retryFailedJob } from './retry-job.ts';

/** Failed ids read per round while looking for matches. */
const SCAN_CHUNK = 500;

export interface RedriveResult {
  matched: number;
  retried: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Ids in the failed set (scored by finish time) inside the age window whose reason matches. */
const findMatches = async (runner: QueueRunner, input: RedriveInput, now: number): Promise<string[]> => {
  const client = runner.connection;
  const { queue } = runner;
  const key = queue.toKey('failed');
  const max = input.olderThanMs === undefined ? '+inf' : String(now - input.olderThanMs);
  const min = input.newerThanMs === undefined ? '-inf' : String(now - input.newerThanMs);
  const matches: string[] = [];
  for (let offset = 0; matches.length < input.limit; offset += SCAN_CHUNK) {
    const ids = await client.zrangebyscore(key, min, max, 'LIMIT', offset, SCAN_CHUNK);
    if (ids.length === 0) break;
    if (input.errorContains === undefined) {
      matches.push(...ids);
    } else {
      const reasons = await Promise.all(ids.map((id) => client.hget(queue.toKey(id), 'failedReason')));
      matches.push(...ids.filter((_, index) => reasons[index]?.includes(input.errorContains as string)));
    }
    if (ids.length < SCAN_CHUNK) break;
  }
  return matches.slice(0, input.limit);
};

export const redriveFailed = async (runner: QueueRunner, input: RedriveInput): Promise<RedriveResult> => {
  const started = Date.now();
  const matches = await findMatches(runner, input, started);
  const intervalMs = input.perSecond === undefined ? 0 : 1_000 / input.perSecond;
  let retried = 0;
  for (const [index, id] of matches.entries()) {
    // Paced from the start, so slow retries do not add up to a rate below the one asked for.
    const due = started + index * intervalMs;
    if (due > Date.now()) await sleep(due - Date.now());
    const job = await Job.fromId(runner.queue, id);
    // Gone or already moved by someone else since it matched: not counted as retried here.
    if (!job) continue;
    try {
      await retryFailedJob(job);
      retried++;
    } catch {
      continue;
    }
  }
  return { matched: matches.length, retried };
};
