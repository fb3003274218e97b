// The wire protocol shared by the edge, the bridge and users (ARCHITECTURE.md). Types and constants only.

export const QUEUE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const HEADER_SIGNATURE = 'X-Queue-Signature';
export const HEADER_JOB_ID = 'X-Queue-Job-Id';
export const HEADER_QUEUE_NAME = 'X-Queue-Name';
export const HEADER_ATTEMPT = 'X-Queue-Attempt';
export const HEADER_IDEMPOTENCY_KEY = 'Idempotency-Key';
export const HEADER_BRIDGE_ID = 'X-Queue-Bridge-Id';

export const DEFAULT_FEATURE_PATH = '/internal/process-job';

/** Largest request body the edge accepts on dispatch and enqueue (job data travels in it). */
export const MAX_JOB_BODY_BYTES = 512 * 1024;
/**
 * Most jobs in one batched dispatch, and the largest batch body. Six because a Worker invocation
 * may hold six outbound connections at once: a seventh feature call would wait for one inside the
 * runtime while its timeout ran.
 */
export const MAX_BATCH_JOBS = 6;
export const MAX_BATCH_BODY_BYTES = 4 * 1024 * 1024;
/** Largest admin or heartbeat request body. */
export const MAX_CONTROL_BODY_BYTES = 64 * 1024;
/** An error message is stored and returned up to this size (UTF-8); the rest is cut. */
export const MAX_ERROR_MESSAGE_BYTES = 1024;
/** A job's stored result beyond this many bytes of JSON is replaced by `{ resultTruncated: <bytes> }` (RESULT_MAX_BYTES). */
export const DEFAULT_RESULT_MAX_BYTES = 64 * 1024;
/** Signed requests older or newer than this are rejected (replay window). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;
/** Shortest secret either tier accepts (tokens, HMAC keys); shorter is a configuration error. */
export const MIN_SECRET_LENGTH = 16;

export const LIMITS = {
  concurrency: { min: 1, max: 1000 },
  timeoutMs: { min: 100, max: 15 * 60 * 1000 },
  attempts: { min: 1, max: 100 },
  delayMs: { min: 0, max: 24 * 60 * 60 * 1000 },
  maxDelayMs: { min: 0, max: 7 * 24 * 60 * 60 * 1000 },
  jitter: { min: 0, max: 1 },
  rateLimitMax: { min: 1, max: 10_000 },
  rateLimitPerMs: { min: 100, max: 24 * 60 * 60 * 1000 },
  endpointLength: 2048,
  pathLength: 512,
} as const;

export type BackoffType = 'exponential' | 'fixed';

export interface BackoffPolicy {
  type: BackoffType;
  /** Delay before the first retry; exponential doubles it per attempt. */
  delayMs: number;
  /** Upper bound for any single delay. */
  maxDelayMs: number;
  /** Fraction of the delay randomised away (0 = exact, 0.2 = up to 20% shorter). */
  jitter: number;
}

export interface RetryPolicy {
  /** Total attempts including the first one. */
  attempts: number;
  backoff: BackoffPolicy;
}

/**
 * Any JSON value, typed loosely: Durable Object RPC types refuse `unknown`, and a recursive JSON
 * type is too deep for them.
 */
export type JsonValue = object | string | number | boolean | null;

/** A repeating job of a queue, run once per tick platform-wide (a BullMQ job scheduler). Exactly one of `cron`, `everyMs`. */
export interface Schedule {
  id: string;
  /** 5 fields, or 6 with seconds first; in `tz` (IANA) when given, else UTC. */
  cron?: string;
  tz?: string;
  /** At least 1000. */
  everyMs?: number;
  data: JsonValue;
  /** The jobs' name; the schedule id when absent. */
  name?: string;
}

export const ALERT_EVENTS = ['job.failed', 'queue.backlog', 'bridge.stale'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** Where a queue's Standard Webhooks alerts go, and which. */
export interface AlertSettings {
  url: string;
  on: AlertEvent[];
  /** `queue.backlog` fires when more than this many jobs wait. */
  backlogOver?: number;
}

/** At most `max` feature calls of the queue start in any `perMs` window, across every bridge and isolate. */
export interface RateLimit {
  max: number;
  perMs: number;
}

export interface Registration {
  name: string;
  endpoint: string;
  path: string;
  concurrency: number;
  timeoutMs: number;
  retry: RetryPolicy;
  paused: boolean;
  rateLimit?: RateLimit;
  /** `async`: the feature answers 202 and reports by callback; absent means `sync`. */
  completion?: CompletionMode;
  schedules?: Schedule[];
  alerts?: AlertSettings;
  version: number;
  updatedAt: string;
}

/** What an admin may send: everything but `name` (from the URL), `version` and `updatedAt` (ours). */
export type RegistrationInput = Partial<Omit<Registration, 'name' | 'version' | 'updatedAt' | 'retry' | 'alerts' | 'rateLimit'>> & {
  /** `null` removes the queue's rate limit. */
  rateLimit?: RateLimit | null;
  retry?: Partial<Omit<RetryPolicy, 'backoff'>> & { backoff?: Partial<BackoffPolicy> };
  /** `null` removes the queue's alerts. */
  alerts?: AlertSettings | null;
};

export interface RegistrationDefaults {
  concurrency: number;
  timeoutMs: number;
  attempts: number;
  backoffType: BackoffType;
}

// ---- bridge → edge -------------------------------------------------------------------------

export interface DispatchRequest {
  jobId: string;
  queueName: string;
  data: unknown;
  attemptsMade: number;
  name?: string;
  /** W3C traceparent of the bridge's span for this try (contract addition); forwarded to the feature. */
  traceparent?: string;
  /**
   * Random per request, so two otherwise identical dispatches in one second (the signature's
   * resolution) sign differently: the edge refuses a signature it has already accepted. Optional,
   * and otherwise ignored by the edge.
   */
  requestId?: string;
}

/**
 * Several jobs of one queue in one request (POST /internal/dispatch/batch): the edge answers
 * `application/x-ndjson`, one `DispatchBatchLine` per job as soon as that job's outcome is known,
 * so a slow job never holds back a fast one. A job without a line (the stream broke) was not
 * reported: the bridge treats it like any other edge fault.
 */
export interface DispatchBatchRequest {
  queueName: string;
  jobs: Omit<DispatchRequest, 'queueName' | 'requestId'>[];
  /** As DispatchRequest.requestId. */
  requestId?: string;
}

export type DispatchBatchLine = DispatchOutcome & { jobId: string };

export interface CompletedOutcome {
  outcome: 'completed';
  result: unknown;
  durationMs: number;
}

export interface FailedOutcome {
  outcome: 'failed';
  retryable: boolean;
  error: { message: string; status?: number };
  durationMs: number;
}

export interface ThrottledOutcome {
  outcome: 'throttled';
  retryAfterMs: number;
  /**
   * Why the job was not attempted: no free slot under the queue's own limit, paused queue, the
   * feature asked to slow down, this very attempt of the job is still being dispatched (a
   * redispatch while the first runs), the edge isolate's dispatch budget is spent and the queue
   * is past its fair share of it, or the queue's `rateLimit` allows no start before `retryAfterMs`.
   */
  reason?: 'busy' | 'paused' | 'feature' | 'in_flight' | 'budget' | 'rate';
}

/**
 * An async queue's feature answered 202: the job runs on and reports by callback
 * (`POST /callbacks/:queue/:jobId`). The slot stays held; dispatching the same attempt again calls
 * no feature but answers this again, or the settled outcome once the callback (or the deadline) came.
 * Contract addition.
 */
export interface DeferredOutcome {
  outcome: 'deferred';
  /** Epoch ms: without a callback by then the attempt fails, retryable. */
  deadlineMs: number;
  /** When to ask again. */
  retryAfterMs: number;
}

export type DispatchOutcome = CompletedOutcome | FailedOutcome | ThrottledOutcome | DeferredOutcome;

export const COMPLETION_MODES = ['sync', 'async'] as const;
export type CompletionMode = (typeof COMPLETION_MODES)[number];

/** `POST /callbacks/:queue/:jobId`: how an async queue's feature reports an attempt (1-based, as X-Queue-Attempt). */
export interface JobCallback {
  attempt: number;
  success: boolean;
  result?: unknown;
  error?: unknown;
  retryable?: boolean;
}

export interface RegistrationsResponse {
  registrations: Registration[];
}

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

/** A registration schedule as this bridge sees its BullMQ job scheduler. */
export interface ScheduleStatus {
  id: string;
  cron?: string;
  tz?: string;
  everyMs?: number;
  /** When the next job is due (ISO); null while none is scheduled. */
  nextRunAt: string | null;
}

export interface BridgeWorkerStatus {
  queue: string;
  running: boolean;
  concurrency: number;
  counts?: JobCounts;
  schedules?: ScheduleStatus[];
}

export interface HeartbeatRequest {
  bridgeId: string;
  startedAt: string;
  workers: BridgeWorkerStatus[];
}

// ---- edge → feature ------------------------------------------------------------------------

/** The body a feature API receives (the seed's shape). */
export interface FeatureJobRequest {
  jobId: string;
  queueName: string;
  data: unknown;
  attemptsMade: number;
  /** The BullMQ job name, when the producer gave one (an addition to the seed's shape). */
  name?: string;
}

/** What a feature API answers with a 2xx. */
export type FeatureJobResponse =
  | { success: true; result?: unknown }
  | { success: false; error?: unknown; retryable?: boolean };

// ---- errors --------------------------------------------------------------------------------

export interface FieldError {
  field: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export const idempotencyKey = (queueName: string, jobId: string): string => `${queueName}:${jobId}`;
