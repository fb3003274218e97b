// The attempt trail: one BullMQ job log line per try (the job's `<job key>:logs` list, as `job.log`
// writes it), so the ops API and any BullMQ tool show it. Throttled and edge-faulted tries are not
// attempts (nothing was charged, and they can loop fast while a queue is held off), so they write
// nothing; every charged try, a poison job's refusal and a cancel each write one line, never awaited
// by the job.
// `job.log` is one more Redis command per try (profiled: ~16 % of the bridge's CPU per job, most of
// it the socket write itself). So the trail holds the connection's socket corked until the event
// loop's turn ends: the line and BullMQ's moveToFinished, which follows it at once, leave in one
// write, still in that order (a finished job already shows its line), with whatever other jobs
// finished in the same turn.

import { Redis } from 'ioredis';
import type { Job } from 'bullmq';
import { isPlainObject, parseJsonOrUndefined } from '../../src/json.ts';
import { ATTEMPT_OUTCOMES, type AttemptEntry, type AttemptOutcome } from '../../src/ops-protocol.ts';
import { MAX_ERROR_MESSAGE_BYTES } from '../../src/protocol.ts';
import { truncateUtf8 } from '../../src/text.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis.ts';

export interface AttemptRecord {
  outcome: AttemptOutcome;
  startedAt: number;
  durationMs: number;
  status?: number;
  error?: string;
}

/** The try's line, as the ops API reads it back. */
export const attemptLine = (job: Job, bridgeId: string, record: AttemptRecord): string => {
  const entry: AttemptEntry = {
    attempt: job.attemptsMade + 1,
    at: new Date(record.startedAt).toISOString(),
    outcome: record.outcome,
    ...(record.status === undefined ? {} : { status: record.status }),
    durationMs: Math.max(0, Math.round(record.durationMs)),
    bridgeId,
    ...(record.error === undefined ? {} : { error: truncateUtf8(record.error, MAX_ERROR_MESSAGE_BYTES) }),
  };
  return JSON.stringify(entry);
};

/** Writes trail lines over the connection BullMQ's workers share; a lost line is logged, never the job's failure. */
export class AttemptTrail {
  readonly #connection: RedisClient;
  readonly #logger: Logger;

  constructor(connection: RedisClient, logger: Logger) {
    this.#connection = connection;
    this.#logger = logger;
  }

  write(job: Job, line: string): void {
    this.#coalesceWrites();
    job.log(line).catch((error: unknown) => this.#logger.warn('could not write the attempt trail', { jobId: job.id, error }));
  }

  /** Corks the socket until the turn ends, once per turn; a Cluster (a socket per node) is left as it is. */
  #coalesceWrites(): void {
    if (!(this.#connection instanceof Redis) || this.#connection.status !== 'ready') return;
    const socket = this.#connection.stream;
    if (socket.writableCorked > 0) return;
    socket.cork();
    setImmediate(() => socket.uncork());
  }
}

const isAttemptEntry = (value: unknown): value is AttemptEntry =>
  isPlainObject(value) &&
  typeof value.attempt === 'number' &&
  typeof value.at === 'string' &&
  ATTEMPT_OUTCOMES.includes(value.outcome as AttemptOutcome) &&
  typeof value.durationMs === 'number' &&
  typeof value.bridgeId === 'string';

/** The trail among a job's log lines; lines others wrote with `job.log` are left out. */
export const attemptsFromLogs = (logs: string[]): AttemptEntry[] => logs.map(parseJsonOrUndefined).filter(isAttemptEntry);
