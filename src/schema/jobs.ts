// The producer API as a schema (ARCHITECTURE "Edge producers"): a job's options, the edge route's
// body `{ name?, data, opts? }` and its answer. Job data itself is judged by src/jobs/job-data.ts
// (depth, size, numbers JSON can carry), which a schema cannot say and whose size is a 413.

import * as z from 'zod';
import { customJobIdProblem } from '../jobs/job-id.ts';
import { MAX_JOB_DELAY_MS, MAX_JOB_ID_LENGTH, MAX_JOB_NAME_LENGTH, MAX_JOB_PRIORITY } from '../jobs/limits.ts';
import { LIMITS } from '../protocol.ts';
import { integerIn, numberIn, oneOf, strictObject } from './rules.ts';
import { BACKOFF_TYPES } from './registration.ts';

const NAME_MESSAGE = 'must be a non-empty string';

export const jobIdSchema = z
  .string({ error: NAME_MESSAGE })
  .superRefine((value, ctx) => {
    const problem = customJobIdProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    description: `Your own id (1-${MAX_JOB_ID_LENGTH} printable ASCII characters, not an integer, no ':', not one of BullMQ's key names): adding a job whose id exists returns the existing job.`,
    example: 'welcome-42',
  });

export const jobNameSchema = z
  .string({ error: NAME_MESSAGE })
  .min(1, { error: NAME_MESSAGE })
  .max(MAX_JOB_NAME_LENGTH, { error: `must be at most ${MAX_JOB_NAME_LENGTH} characters` })
  .meta({ description: 'The BullMQ job name; defaults to the queue name.', example: 'welcome' });

const backoffObject = strictObject({
  type: oneOf(BACKOFF_TYPES),
  delay: integerIn(LIMITS.delayMs),
  jitter: numberIn(LIMITS.jitter).optional(),
});

export const JobOptionsSchema = strictObject({
  jobId: jobIdSchema.optional(),
  delay: integerIn({ min: 0, max: MAX_JOB_DELAY_MS }).optional().meta({ description: 'Milliseconds before the job may run.' }),
  priority: integerIn({ min: 0, max: MAX_JOB_PRIORITY })
    .optional()
    .meta({ description: '1 (first) to 2^21-1; jobs without one run before prioritised jobs, as in BullMQ.' }),
  attempts: integerIn(LIMITS.attempts).optional().meta({ description: "Total attempts, first one included; defaults to the queue's registration." }),
  backoff: z
    .union([integerIn(LIMITS.delayMs), backoffObject], { error: 'must be a delay in ms or { type, delay, jitter? }' })
    .optional()
    .meta({ description: "A number is a fixed delay in ms, as in BullMQ; defaults to the queue's registration." }),
}).meta({ id: 'JobOptions', example: { jobId: 'welcome-42', delay: 5000, attempts: 5, backoff: { type: 'exponential', delay: 1000 } } });

export const EnqueueBodySchema = strictObject(
  {
    name: jobNameSchema.optional(),
    // Any JSON; present, even when null.
    data: z.unknown().refine((value) => value !== undefined, { error: 'is required' }).meta({ description: 'The job data: any JSON value, nested at most 64 levels.' }),
    opts: JobOptionsSchema.optional(),
  },
  'must be a JSON object { name?, data, opts? }',
).meta({ id: 'EnqueueRequest', example: { name: 'welcome', data: { to: 'ada@example.com' }, opts: { jobId: 'welcome-42', attempts: 5 } } });

export const EnqueuedSchema = z
  .object({ jobId: z.string().meta({ description: 'The new job, or the existing one with your jobId.' }) })
  .meta({ id: 'Enqueued', example: { jobId: '17' } });
