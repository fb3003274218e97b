// The attempt trail: one BullMQ job log line per try (`job.log`), so the ops API and any BullMQ tool
// show it. Throttled and edge-faulted tries are not attempts (nothing was charged, and they can loop
// fast while a queue is held off), so they write nothing; every charged try, a poison job's refusal
// and a cancel each write one line: a single Redis command, never awaited by the job.

import type { Job } from 'bullmq';
import { isPlainObject, parseJsonOrUndefined } from '../../src/json.ts';
import { ATTEMPT_OUTCOMES, type AttemptEntry, type AttemptOutcome } from '../../src/ops-protocol.ts';
import { MAX_ERROR_MESSAGE_BYTES } from '../../src/protocol.ts';
import { truncateUtf8 } from '../../src/text.ts';
import type { Logger } from '../logger.ts';


export interface AttemptRecord {
  outcome: AttemptOutcome;
  startedAt: number;
  durationMs: number;
  status?: number;
  error?: string;
}

/** Writes the try's line; a lost line is logged, never the job's failure. */
export const recordAttempt = (job: Job, bridgeId: string, record: AttemptRecord, logger: Logger): void => {
  const entry: AttemptEntry = {
    attempt: job.attemptsMade + 1,
    at: new Date(record.startedAt).toISOString(),
    outcome: record.outcome,
    ...(record.status === undefined ? {} : { status: record.status }),
    durationMs: Math.max(0, Math.round(record.durationMs)),
    bridgeId,
    ...(record.error === undefined ? {} : { error: truncateUtf8(record.error, MAX_ERROR_MESSAGE_BYTES) }),
  };
  job.log(JSON.stringify(entry)).catch((error: unknown) => logger.warn('could not write the attempt trail', { jobId: job.id, error }));
};

const isAttemptEntry = (value: unknown): value is AttemptEntry =>
  isPlainObject(value) &&
  typeof value.attempt === 'number' &&
  typeof value.at === 'string' &&
  ATTEMPT_OUTCOMES.includes(value.outcome as AttemptOutcome) &&
  typeof value.durationMs === 'number' &&
  typeof value.bridgeId === 'string';

/** The trail among a job's log lines; lines others wrote with `job.log` are left out. */
export const attemptsFromLogs = (logs: string[]): AttemptEntry[] => logs.map(parseJsonOrUndefined).filter(isAttemptEntry);
