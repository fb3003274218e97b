// The bridge's operations API as outside clients see it (ARCHITECTURE "Operations (bridge)"), as
// schemas: the job states it speaks of, the query strings and bodies it takes (checked by these
// schemas, one error per bad field) and the shapes of its answers (for the OpenAPI document and
// the CLI's types). Shared by the bridge's routes and the queue-worker CLI.

import * as z from 'zod';
import { RegistrationSchema } from './schema/registration.ts';
import { integerIn, numberIn, oneOf, strictObject } from './schema/rules.ts';

export const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Active jobs are a feature call in progress: cancel them, never purge them. */
export const PURGEABLE_STATES = ['waiting', 'delayed', 'prioritized', 'failed', 'completed'] as const;
export type PurgeableState = (typeof PURGEABLE_STATES)[number];

export const ATTEMPT_OUTCOMES = ['completed', 'failed_retryable', 'failed_final', 'cancelled'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
const DEFAULT_REDRIVE_LIMIT = 1_000;
const MAX_REDRIVE_LIMIT = 10_000;
const MAX_PER_SECOND = 1_000;
/** Ten years: further back than any retention, so any age an operator means fits. */
const MAX_AGE_MS = 10 * 365 * 24 * 3_600_000;
const MAX_ERROR_FILTER_CHARS = 1_024;
const AGE = { min: 0, max: MAX_AGE_MS };

// ---- requests ------------------------------------------------------------------------------

/** A query-string integer: digits only, so `1e3`, `0x10` and `` are refused rather than guessed at. */
const queryInteger = (range: { min: number; max: number }) =>
  z
    .string()
    .regex(/^\d{1,9}$/, { error: 'must be a whole number' })
    .transform(Number)
    .pipe(integerIn(range));

/** `GET /ops/queues/:name/jobs`; the cursor is checked against the state by the route. */
export const JobListQuerySchema = strictObject({
  state: oneOf(JOB_STATES).meta({ description: 'Which jobs to list.' }),
  limit: queryInteger({ min: 1, max: MAX_PAGE }).optional().meta({ description: `1-${MAX_PAGE}, default ${DEFAULT_PAGE}.`, example: '20' }),
  cursor: z.string().optional().meta({ description: 'The `nextCursor` of the previous page.' }),
});

const ERROR_FILTER_MESSAGE = `must be a string of 1-${MAX_ERROR_FILTER_CHARS} characters`;

export const RedriveSchema = strictObject({
  olderThanMs: integerIn(AGE).optional().meta({ description: 'Only jobs that failed at least this long ago.' }),
  newerThanMs: integerIn(AGE).optional().meta({ description: 'Only jobs that failed at most this long ago.' }),
  errorContains: z
    .string({ error: ERROR_FILTER_MESSAGE })
    .min(1, { error: ERROR_FILTER_MESSAGE })
    .max(MAX_ERROR_FILTER_CHARS, { error: ERROR_FILTER_MESSAGE })
    .optional()
    .meta({ description: 'Only jobs whose failure reason contains this text.' }),
  limit: integerIn({ min: 1, max: MAX_REDRIVE_LIMIT }).default(DEFAULT_REDRIVE_LIMIT).meta({ description: 'At most this many jobs.' }),
  perSecond: numberIn({ min: 0.1, max: MAX_PER_SECOND }).optional().meta({ description: 'Pace of the retries.' }),
})
  .refine((input) => input.olderThanMs === undefined || input.newerThanMs === undefined || input.newerThanMs >= input.olderThanMs, {
    path: ['newerThanMs'],
    error: 'must not be less than olderThanMs (the window would be empty)',
  })
  .meta({ id: 'RedriveRequest', example: { olderThanMs: 60000, errorContains: 'ECONNRESET', limit: 100, perSecond: 10 } });

const STATES_MESSAGE = `must be a non-empty array of ${PURGEABLE_STATES.join(', ')}`;

export const PurgeSchema = strictObject({
  states: z
    .array(
      z.enum(PURGEABLE_STATES, {
        error: (issue) => (issue.input === 'active' ? 'active jobs are never purged; cancel them one by one' : `must be one of ${PURGEABLE_STATES.join(', ')}`),
      }),
      { error: STATES_MESSAGE },
    )
    .min(1, { error: STATES_MESSAGE })
    .transform((states) => [...new Set(states)]),
  olderThanMs: integerIn(AGE).default(0).meta({ description: 'Only jobs finished (or added) at least this long ago.' }),
}).meta({ id: 'PurgeRequest', example: { states: ['completed', 'failed'], olderThanMs: 86400000 } });

export type JobListQuery = z.output<typeof JobListQuerySchema>;
export type RedriveInput = z.output<typeof RedriveSchema>;
export type PurgeInput = z.output<typeof PurgeSchema>;

// ---- answers -------------------------------------------------------------------------------

/** One try of a job, as its attempt trail (a BullMQ job log line) records it. */
export const AttemptEntrySchema = z
  .object({
    attempt: z.int().meta({ description: '1 for the first try.' }),
    at: z.string().meta({ description: 'When the try started (ISO).' }),
    outcome: z.enum(ATTEMPT_OUTCOMES),
    status: z.int().optional().meta({ description: "The feature's HTTP status, when it answered with a failure status." }),
    durationMs: z.number(),
    bridgeId: z.string(),
    error: z.string().optional(),
  })
  .meta({ id: 'AttemptEntry' });

export const JobSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    state: z.string(),
    attemptsMade: z.int(),
    timestamp: z.number(),
    processedOn: z.number().optional(),
    finishedOn: z.number().optional(),
    failedReason: z.string().optional(),
  })
  .meta({ id: 'JobSummary' });

export const JobDetailSchema = JobSummarySchema.extend({
  data: z.unknown(),
  opts: z.unknown(),
  returnvalue: z.unknown(),
  attempts: z.array(AttemptEntrySchema),
}).meta({ id: 'JobDetail' });

export const JobPageSchema = z
  .object({ jobs: z.array(JobSummarySchema), nextCursor: z.string().nullable().meta({ description: 'null on the last page.' }) })
  .meta({ id: 'JobPage' });

export const QueuesOverviewSchema = z
  .object({
    queues: z.array(
      z.object({
        name: z.string(),
        registration: RegistrationSchema,
        running: z.boolean(),
        counts: z.record(z.enum(JOB_STATES), z.int()),
        edge: z
          .record(z.string(), z.unknown())
          .nullable()
          .meta({ description: "The edge's figures (inFlight, limit, waiting, totals, latencyMs, lastError, paused), or null." }),
      }),
    ),
    edge: z.union([z.object({ available: z.literal(true) }), z.object({ available: z.literal(false), error: z.string() })]),
  })
  .meta({ id: 'QueuesOverview' });

export const RetriedSchema = z.object({ id: z.string(), state: z.literal('waiting') }).meta({ id: 'Retried' });

export const CancelledSchema = z
  .union([
    z.object({ id: z.string(), state: z.enum(['removed', 'failed']) }),
    z.object({ id: z.string(), state: z.literal('active'), cancelRequested: z.literal(true) }),
  ])
  .meta({ id: 'Cancelled', description: '`active` (202): the feature call is being aborted.' });

export const RedrivenSchema = z.object({ matched: z.int(), retried: z.int() }).meta({ id: 'Redriven' });
export const PurgedSchema = z.object({ removed: z.int() }).meta({ id: 'Purged' });

export type AttemptEntry = z.output<typeof AttemptEntrySchema>;
export type JobSummary = z.output<typeof JobSummarySchema>;
export type JobDetail = z.output<typeof JobDetailSchema>;

export const AlertDeliverySchema = z
  .object({
    messageId: z.string().meta({ description: 'The webhook-id: the same on every try of one alert.' }),
    type: z.enum(['job.failed', 'queue.backlog', 'bridge.stale']),
    queue: z.string(),
    target: z.string().meta({ description: "The receiver's origin only (its path may hold a token)." }),
    attempt: z.int(),
    at: z.string(),
    result: z.enum(['delivered', 'retrying', 'gave_up']),
    status: z.int().optional(),
    error: z.string().optional(),
    durationMs: z.number(),
    bridgeId: z.string(),
  })
  .meta({ id: 'AlertDelivery' });

export const AlertsOverviewSchema = z
  .object({
    signing: z.boolean().meta({ description: 'ALERT_SIGNING_SECRET is set; without it no alert is sent.' }),
    pending: z.object({ waiting: z.int(), active: z.int(), retrying: z.int(), gaveUp: z.int() }),
    deliveries: z.array(AlertDeliverySchema).meta({ description: 'The most recent delivery tries, newest first.' }),
  })
  .meta({ id: 'AlertsOverview' });
