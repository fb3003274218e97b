// The error body every route of both tiers answers: `{ error: { code, message, details? } }`; a 400
// for bad input names each bad field once in `details`.

import * as z from 'zod';

export const FieldErrorSchema = z
  .object({ field: z.string().meta({ description: 'The bad field by its path: `retry.backoff.type`, `states[0]`, `body`.' }), message: z.string() })
  .meta({ id: 'FieldError' });

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'not_found' }),
      message: z.string(),
      details: z.unknown().optional().meta({ description: 'For `invalid_request`: one FieldError per bad field.' }),
    }),
  })
  .meta({ id: 'Error' });

export const ValidationErrorBodySchema = z
  .object({
    error: z.object({
      code: z.literal('invalid_request'),
      message: z.string().meta({ example: 'concurrency must be between 1 and 1000' }),
      details: z.array(FieldErrorSchema),
    }),
  })
  .meta({ id: 'ValidationError' });
