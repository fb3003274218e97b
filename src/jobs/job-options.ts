// The options a producer may set on a job (the edge route's `opts`, the Node client's options),
// validated by their schema (src/schema/jobs.ts) with one error per bad field, and resolved
// against the queue's registration into the BullMQ options the job is stored with.

import type { BackoffType, FieldError, RetryPolicy } from '../protocol.ts';
import { checkWith, type ValidationResult } from '../schema/field-errors.ts';
import { jobNameSchema, JobOptionsSchema } from '../schema/jobs.ts';
import { traceMetadata } from '../tracing/traceparent.ts';

/** BullMQ's backoff option as stored on a job. */
export type JobBackoff = {
  type: BackoffType;
  delay: number;
  jitter?: number;
};

export interface JobOptions {
  /** Your own id: adding a job whose id exists returns the existing job instead of a second one. */
  jobId?: string;
  /** Milliseconds before the job may run. */
  delay?: number;
  /** 1 (first) to 2^21-1; jobs without one run before prioritised jobs, as in BullMQ. */
  priority?: number;
  /** Total attempts, first one included; defaults to the queue's registration. */
  attempts?: number;
  /** A number is a fixed delay in ms, as in BullMQ; defaults to the queue's registration. */
  backoff?: number | JobBackoff;
}

/** What producers pass when adding a job: the job options plus the BullMQ job name. */
export interface AddJobOptions extends JobOptions {
  /** The BullMQ job name; defaults to the queue name. */
  name?: string;
  /**
   * The W3C trace this job belongs to (your request's `traceparent`); its trace id reaches the
   * bridge's spans and logs and the feature call. Without one, a new trace is started.
   */
  traceparent?: string;
}

/** BullMQ's own place for a job's trace context (`opts.telemetry`, stored as `tm`). */
export interface JobTelemetry {
  /** src/tracing/traceparent.ts traceMetadata(): the JSON of a W3C propagation carrier. */
  metadata: string;
}

/**
 * The backoff of a job that follows its queue's registration: no built-in BullMQ strategy has this
 * type, so BullMQ asks the bridge Worker's backoffStrategy, which computes the delay from the
 * registration's current policy (exponential or fixed, capped, jittered; bridge/retry-policy.ts).
 */
export const REGISTRATION_BACKOFF = { type: 'registration' } as const;

/** What a BullMQ job's `opts` hold for a job added with these options. */
export interface ResolvedJobOptions {
  jobId?: string;
  delay?: number;
  priority?: number;
  attempts?: number;
  backoff?: JobBackoff | typeof REGISTRATION_BACKOFF;
  /** Last, as BullMQ's Job keeps it after the producer's options. */
  telemetry?: JobTelemetry;
}

/** Checks `input` (undefined means no options); fields are named `<prefix>.<field>`. */
export const parseJobOptions = (input: unknown, prefix = 'opts'): ValidationResult<JobOptions> =>
  input === undefined ? { ok: true, value: {} } : checkWith(JobOptionsSchema, input, prefix);

/** A job name: any non-empty string up to MAX_JOB_NAME_LENGTH; undefined when absent. */
export const jobNameError = (value: unknown, field = 'name'): FieldError | undefined => {
  const checked = value === undefined ? undefined : checkWith(jobNameSchema, value, field);
  return checked && !checked.ok ? checked.errors[0] : undefined;
};

/**
 * The BullMQ options for a job: what the producer set, and where it left attempts or backoff out,
 * the queue's registration: its attempts, and a backoff that follows the registration's policy.
 * Without a registration they stay out too, and the bridge applies the registration when it runs.
 */
export const resolveJobOptions = (options: JobOptions, retry?: Pick<RetryPolicy, 'attempts'>): ResolvedJobOptions => {
  const resolved: ResolvedJobOptions = {};
  if (options.jobId !== undefined) resolved.jobId = options.jobId;
  if (options.delay !== undefined) resolved.delay = options.delay;
  if (options.priority !== undefined) resolved.priority = options.priority;
  const attempts = options.attempts ?? retry?.attempts;
  if (attempts !== undefined) resolved.attempts = attempts;
  if (typeof options.backoff === 'number') resolved.backoff = { type: 'fixed', delay: options.backoff };
  else if (options.backoff) resolved.backoff = options.backoff;
  else if (retry) resolved.backoff = { ...REGISTRATION_BACKOFF };
  return resolved;
};

/** The options with the job's trace attached where BullMQ keeps trace context (last, as BullMQ orders it). */
export const withTraceparent = (opts: ResolvedJobOptions, traceparent: string): ResolvedJobOptions => ({ ...opts, telemetry: { metadata: traceMetadata(traceparent) } });
