// The feature call (ARCHITECTURE "Dispatch"): the callback a feature API implements at
// `POST {endpoint}{path}`, described for the edge's OpenAPI document as a webhook. The handler
// helper's own parser (src/handler/parse-job-request.ts) keeps feature Workers free of zod; a
// property test holds the two to the same verdict on every body.

import * as z from 'zod';
import { HEADER_ATTEMPT, HEADER_IDEMPOTENCY_KEY, HEADER_JOB_ID, HEADER_QUEUE_NAME, HEADER_SIGNATURE } from '../protocol.ts';

export const FeatureJobRequestSchema = z
  .object({
    jobId: z.string().min(1),
    queueName: z.string().min(1),
    data: z
      .unknown()
      .refine((value) => value !== undefined, { error: 'is required' })
      .meta({ description: 'The job data as the producer added it.' }),
    attemptsMade: z.int().min(0).meta({ description: 'Tries that failed before this one.' }),
  })
  .meta({ id: 'FeatureJobRequest', example: { jobId: '17', queueName: 'email', data: { to: 'ada@example.com' }, attemptsMade: 0 } });

export const FeatureJobResponseSchema = z
  .union([
    z.object({ success: z.literal(true), result: z.unknown().optional().meta({ description: "Stored as the job's return value." }) }),
    z.object({
      success: z.literal(false),
      error: z.unknown().optional(),
      retryable: z.boolean().optional().meta({ description: 'false: fail at once, no retry.' }),
    }),
  ])
  .meta({ id: 'FeatureJobResponse', example: { success: true, result: { sent: true } } });

export const FeatureCallHeadersSchema = z.object({
  [HEADER_JOB_ID]: z.string(),
  [HEADER_QUEUE_NAME]: z.string(),
  [HEADER_ATTEMPT]: z.string().meta({ description: '1 for the first try.', example: '1' }),
  [HEADER_IDEMPOTENCY_KEY]: z.string().meta({ description: '`<queueName>:<jobId>`.', example: 'email:17' }),
  [HEADER_SIGNATURE]: z.string().meta({
    description: "`t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">` with the queue's feature key; at most two v1 values while rotating.",
    example: 't=1764331200,v1=5f2b…',
  }),
});
