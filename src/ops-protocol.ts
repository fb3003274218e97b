// The bridge's operations API as outside clients see it (ARCHITECTURE "Operations (bridge)"): the
// job states it speaks of and the shapes of its answers. Types and constants only, shared by the
// bridge's routes and the queue-worker CLI.

export const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Active jobs are a feature call in progress: cancel them, never purge them. */
export const PURGEABLE_STATES = ['waiting', 'delayed', 'prioritized', 'failed', 'completed'] as const;
export type PurgeableState = (typeof PURGEABLE_STATES)[number];

export const ATTEMPT_OUTCOMES = ['completed', 'failed_retryable', 'failed_final', 'cancelled'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** One try of a job, as its attempt trail (a BullMQ job log line) records it. */
export interface AttemptEntry {
  /** 1 for the first try. */
  attempt: number;
  /** When the try started (ISO). */
  at: string;
  outcome: AttemptOutcome;
  /** The feature's HTTP status, when it answered with a failure status. */
  status?: number;
  durationMs: number;
  bridgeId: string;
  error?: string;
}

export interface JobSummary {
  id: string;
  name: string;
  state: string;
  attemptsMade: number;
  timestamp: number;
  processedOn?: number;
  finishedOn?: number;
  failedReason?: string;
}

export interface JobDetail extends JobSummary {
  data: unknown;
  opts: unknown;
  returnvalue: unknown;
  attempts: AttemptEntry[];
}
