// Which job ids can travel through Queue Worker (ARCHITECTURE "Poison jobs"). An id names BullMQ's
// hash `<prefix>:<queue>:<id>` next to the queue's own keys, and rides in the feature call's headers.

import { MAX_JOB_ID_LENGTH } from './limits.ts';

/**
 * BullMQ's own key names under `<prefix>:<queue>:`. A job with one of these ids overwrites that key
 * (seen: `wait` turns the wait list into a hash and every later add fails with WRONGTYPE).
 */
export const BULLMQ_KEY_NAMES: ReadonlySet<string> = new Set([
  'wait',
  'active',
  'paused',
  'delayed',
  'prioritized',
  'completed',
  'failed',
  'stalled',
  'stalled-check',
  'waiting-children',
  'id',
  'meta',
  'events',
  'repeat',
  'limiter',
  'metrics',
  'marker',
  'pc',
  'de',
]);

/** Printable ASCII: the id goes into HTTP headers, where control characters and non-Latin text cannot. */
const PRINTABLE = /^[\x20-\x7e]+$/;

/** Why `id` cannot be dispatched, or undefined when it can. Ids BullMQ generates (integers) pass. */
export const dispatchableJobIdProblem = (id: unknown): string | undefined => {
  if (typeof id !== 'string' || id === '') return 'must be a non-empty string';
  if (id.length > MAX_JOB_ID_LENGTH) return `must be at most ${MAX_JOB_ID_LENGTH} characters (got ${id.length})`;
  if (!PRINTABLE.test(id)) return 'must contain only printable ASCII characters (no control characters such as NUL, CR or LF)';
  if (BULLMQ_KEY_NAMES.has(id)) return `must not be one of BullMQ's own key names (${[...BULLMQ_KEY_NAMES].join(', ')})`;
  return undefined;
};

/** Why a producer's custom `jobId` is refused: the dispatch rules plus BullMQ's own rules for custom ids. */
export const customJobIdProblem = (id: unknown): string | undefined => {
  const problem = dispatchableJobIdProblem(id);
  if (problem) return problem;
  const text = id as string;
  // Integers are BullMQ's generated ids; ':' separates key parts.
  if (String(Number.parseInt(text, 10)) === text) return 'must not be an integer (BullMQ keeps those for its own ids)';
  if (text.includes(':')) return "must not contain ':'";
  return undefined;
};
