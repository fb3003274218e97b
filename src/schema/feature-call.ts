// The feature call (ARCHITECTURE "Dispatch"): the callback a feature API implements at
// `POST {endpoint}{path}`, described for the edge's OpenAPI document as a webhook. The handler
// helper (src/handler) is the reference implementation of its receiving side.

import * as z from 'zod';
import { HEADER_ATTEMPT, HEADER_IDEMPOTENCY_KEY, HEADER_JOB_ID, HEADER_QUEUE_NAME, HEADER_SIGNATURE } from '../protocol.ts';

export const FeatureJobRequestSchema = z
  .object({
    jobId: z.string(),
    queueName: z.string(),
    data: z.unknown().meta({ description: 'The job data as the producer added it.' }),
    attemptsMade: z.int().meta({ description: 'Tries that failed before this one.' }),
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
