// Opaque paging cursors that stay correct while jobs move. An index would shift as jobs enter and
// leave a state (BullMQ's getJobs does), so a cursor names the last job shown instead: in a sorted
// set its score and id (the next page starts strictly after that pair), in a list its id (the next
// page starts right after wherever that job is now).

import { isPlainObject, parseJsonOrUndefined } from '../../src/json.ts';
import { JOB_STATES, type JobState } from '../../src/ops-protocol.ts';

const SCORE_PATTERN = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;
const MAX_CURSOR_CHARS = 1_024;

export interface JobCursor {
  state: JobState;
  id: string;
  /** The job's score, as Redis wrote it, for sorted-set states. */
  score?: string;
}

export const encodeCursor = (cursor: JobCursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

export const decodeCursor = (text: string): JobCursor | undefined => {
  if (text.length > MAX_CURSOR_CHARS) return undefined;
  const value = parseJsonOrUndefined(Buffer.from(text, 'base64url').toString('utf8'));
  if (!isPlainObject(value) || !JOB_STATES.includes(value.state as JobState) || typeof value.id !== 'string' || value.id === '') return undefined;
  if (value.score !== undefined && (typeof value.score !== 'string' || !SCORE_PATTERN.test(value.score))) return undefined;
  return { state: value.state as JobState, id: value.id, ...(value.score === undefined ? {} : { score: value.score }) };
};
