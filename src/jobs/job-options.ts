// The options a producer may set on a job (the edge route's `opts`, the Node client's options),
// validated with one error per bad field, and resolved against the queue's registration into the
// BullMQ options the job is stored with.

import { LIMITS, type BackoffType, type FieldError, type RetryPolicy } from '../protocol.ts';
import { isPlainObject } from '../json.ts';
import { BACKOFF_TYPES, FieldChecker, type ValidationResult } from '../field-checker.ts';
import { customJobIdProblem } from './job-id.ts';
import { MAX_JOB_DELAY_MS, MAX_JOB_NAME_LENGTH, MAX_JOB_PRIORITY } from './limits.ts';

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
}

const OPTION_FIELDS = new Set(['jobId', 'delay', 'priority', 'attempts', 'backoff']);
const BACKOFF_FIELDS = new Set(['type', 'delay', 'jitter']);

const checkJobId = (check: FieldChecker, value: unknown, field: string): string | undefined => {
  const problem = customJobIdProblem(value);
  return problem ? check.fail(field, problem) : (value as string);
};

const checkBackoff = (check: FieldChecker, value: unknown, field: string): number | JobBackoff | undefined => {
  if (typeof value === 'number') return check.integer(value, field, LIMITS.delayMs);
  if (!isPlainObject(value)) return check.fail(field, 'must be a delay in ms or { type, delay, jitter? }');
  const errorsBefore = check.errors.length;
  check.unknownFields(value, BACKOFF_FIELDS, `${field}.`);
  if (!BACKOFF_TYPES.includes(value.type as BackoffType)) check.fail(`${field}.type`, `must be one of ${BACKOFF_TYPES.join(', ')}`);
  const delay = check.integer(value.delay, `${field}.delay`, LIMITS.delayMs);
  const jitter = value.jitter === undefined ? undefined : check.number(value.jitter, `${field}.jitter`, LIMITS.jitter);
  if (check.errors.length > errorsBefore || delay === undefined) return undefined;
  const type = value.type as BackoffType;
  return jitter === undefined ? { type, delay } : { type, delay, jitter };
};

/** Checks `input` (undefined means no options); fields are named `<prefix>.<field>`. */
export const parseJobOptions = (input: unknown, prefix = 'opts'): ValidationResult<JobOptions> => {
  if (input === undefined) return { ok: true, value: {} };
  const check = new FieldChecker();
  if (!isPlainObject(input)) return { ok: false, errors: [{ field: prefix, message: 'must be an object' }] };
  check.unknownFields(input, OPTION_FIELDS, `${prefix}.`);
  const options: JobOptions = {};
  if (input.jobId !== undefined) options.jobId = checkJobId(check, input.jobId, `${prefix}.jobId`);
  if (input.delay !== undefined) options.delay = check.integer(input.delay, `${prefix}.delay`, { min: 0, max: MAX_JOB_DELAY_MS });
  if (input.priority !== undefined) options.priority = check.integer(input.priority, `${prefix}.priority`, { min: 0, max: MAX_JOB_PRIORITY });
  if (input.attempts !== undefined) options.attempts = check.integer(input.attempts, `${prefix}.attempts`, LIMITS.attempts);
  if (input.backoff !== undefined) options.backoff = checkBackoff(check, input.backoff, `${prefix}.backoff`);
  return check.errors.length > 0 ? { ok: false, errors: check.errors } : { ok: true, value: options };
};

/** A job name: any non-empty string up to MAX_JOB_NAME_LENGTH; undefined when absent. */
export const jobNameError = (value: unknown, field = 'name'): FieldError | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') return { field, message: 'must be a non-empty string' };
  if (value.length > MAX_JOB_NAME_LENGTH) return { field, message: `must be at most ${MAX_JOB_NAME_LENGTH} characters` };
  return undefined;
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
