// Removes jobs of the given states older than a cut-off, in bounded rounds so no single Redis
// script runs for long. Active jobs are never among them (ops-input.ts refuses the state).

import type { Queue } from 'bullmq';
import type { PurgeableState } from '../../src/ops-protocol.ts';
import { CLEAN_TYPES } from './job-states.ts';

/** Jobs one clean script removes at most; each round is one script. */
const ROUND = 1_000;

export const purgeJobs = async (queue: Queue, states: PurgeableState[], olderThanMs: number): Promise<{ removed: number }> => {
  let removed = 0;
  for (const state of states) {
    for (;;) {
      const ids = await queue.clean(olderThanMs, ROUND, CLEAN_TYPES[state]);
      removed += ids.length;
      if (ids.length < ROUND) break;
    }
  }
  return { removed };
};
