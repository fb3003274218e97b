// One page of a state's jobs, newest first, with a cursor for the next (job-cursor.ts).

import { Job } from 'bullmq';
import type { QueueRunner } from '../queue-runner.ts';
import { encodeCursor, type JobCursor } from './job-cursor.ts';
import type { JobState, JobSummary } from '../../src/ops-protocol.ts';
import { LIST_KEYS, ZSET_KEYS } from './job-states.ts';
import { jobSummary } from './job-view.ts';

export interface JobPage {
  jobs: JobSummary[];
  nextCursor: string | null;
}

interface Entry {
  id: string;
  score?: string;
}

const pairs = (flat: string[]): Entry[] => {
  const entries: Entry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ id: flat[i], score: flat[i + 1] });
  return entries;
};

/** Redis orders equal scores by the members' bytes; in reverse order, "after" means byte-smaller. */
const before = (id: string, than: string): boolean => Buffer.compare(Buffer.from(id), Buffer.from(than)) < 0;

const listEntries = async (runner: QueueRunner, key: string, count: number, cursor?: JobCursor): Promise<Entry[]> => {
  const client = runner.connection;
  let start = 0;
  if (cursor) {
    const position = await client.lpos(key, cursor.id);
    // Gone from the list: workers take from the tail, so everything older went before it.
    if (position === null) return [];
    start = position + 1;
  }
  return (await client.lrange(key, start, start + count - 1)).map((id) => ({ id }));
};

const zsetEntries = async (runner: QueueRunner, key: string, count: number, cursor?: JobCursor): Promise<Entry[]> => {
  const client = runner.connection;
  if (!cursor?.score) return pairs(await client.zrevrange(key, 0, count - 1, 'WITHSCORES'));
  const { id, score } = cursor;
  const sameScore = (await client.zrevrangebyscore(key, score, score)).filter((member) => before(member, id)).map((member) => ({ id: member, score }));
  if (sameScore.length >= count) return sameScore.slice(0, count);
  const older = pairs(await client.zrevrangebyscore(key, `(${score}`, '-inf', 'WITHSCORES', 'LIMIT', 0, count - sameScore.length));
  return [...sameScore, ...older];
};

export const listJobs = async (runner: QueueRunner, state: JobState, limit: number, cursor?: JobCursor): Promise<JobPage> => {
  const { queue } = runner;
  const listKey = LIST_KEYS[state];
  const key = queue.toKey(listKey ?? ZSET_KEYS[state] ?? state);
  // One more than asked, to know whether there is a next page.
  const entries = listKey ? await listEntries(runner, key, limit + 1, cursor) : await zsetEntries(runner, key, limit + 1, cursor);
  const page = entries.slice(0, limit);
  const last = page.at(-1);
  const jobs = await Promise.all(page.map(({ id }) => Job.fromId(queue, id)));
  return {
    // A job that left Redis between the two reads is simply not shown.
    jobs: jobs.filter((job): job is Job => job !== undefined).map((job) => jobSummary(job, state)),
    nextCursor: entries.length > limit && last ? encodeCursor({ state, id: last.id, ...(last.score === undefined ? {} : { score: last.score }) }) : null,
  };
};
