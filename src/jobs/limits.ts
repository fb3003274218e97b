// Bounds on what a producer may put on a job, shared by the Node client and the edge route.

import { MAX_JOB_BODY_BYTES } from '../protocol.ts';

/**
 * Job data travels again inside the bridge's dispatch body (same MAX_JOB_BODY_BYTES limit) next to
 * the job id, queue and job name; this much is kept free for them so a job that was accepted can
 * always be dispatched.
 */
export const JOB_ENVELOPE_ALLOWANCE_BYTES = 2048;
export const MAX_JOB_DATA_BYTES = MAX_JOB_BODY_BYTES - JOB_ENVELOPE_ALLOWANCE_BYTES;

export const MAX_JOB_ID_LENGTH = 256;
export const MAX_JOB_NAME_LENGTH = 256;
/** BullMQ's PRIORITY_LIMIT (2^21 - 1); 0 means "no priority". */
export const MAX_JOB_PRIORITY = 2 ** 21 - 1;
/** A year; BullMQ's delayed-set scores (ms * 4096) lose precision not much further out. */
export const MAX_JOB_DELAY_MS = 365 * 24 * 60 * 60 * 1000;
