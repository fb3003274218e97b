// The body of `POST /callbacks/:queue/:jobId` (ARCHITECTURE "Flow control and lifecycle"): how an
// async queue's feature reports an attempt it took with a 202.

// result and error are unknown to zod (its recursive JSON type has no OpenAPI form): parsed from JSON, they are JSON.
import * as z from 'zod';
import { LIMITS } from '../protocol.ts';
import { integerIn, strictObject } from './rules.ts';

export const JobCallbackSchema = strictObject(
  {
    attempt: integerIn({ min: 1, max: LIMITS.attempts.max }).meta({ description: 'The attempt reported, 1-based: the X-Queue-Attempt header of the call that got the 202.' }),
    success: z.boolean({ error: 'must be true or false' }),
    result: z.unknown().optional().meta({ description: "With success: the job's result." }),
    error: z.unknown().optional().meta({ description: 'Without success: a message, or `{ message }`.' }),
    retryable: z.boolean({ error: 'must be true or false' }).optional().meta({ description: 'Without success: false fails the job for good; default true.' }),
  },
  'must be a JSON object',
).meta({ id: 'JobCallback' });
