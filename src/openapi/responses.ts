// The pieces every documented route repeats: a JSON body or answer, and the error answers in the
// one error shape (src/schema/errors.ts).

import type { z } from 'zod';
import { ErrorBodySchema, ValidationErrorBodySchema } from '../schema/errors.ts';

export const jsonContent = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

export const jsonAnswer = (schema: z.ZodType, description: string) => ({ description, ...jsonContent(schema) });

export const jsonBody = (schema: z.ZodType, required = true) => ({ required, ...jsonContent(schema) });

const ERROR_DESCRIPTIONS = {
  401: 'Missing or wrong credentials.',
  403: 'The token does not allow this action.',
  404: 'No such queue or job.',
  409: 'The job is not in a state this action applies to.',
  412: 'If-Match does not match the current version.',
  413: 'The body is too large.',
  415: 'The body is not JSON.',
  503: 'A secret or store the route needs is missing or unavailable.',
} as const;

/** 400 naming each bad field, plus the given statuses, each in the error shape. */
export const errorAnswers = (...statuses: (keyof typeof ERROR_DESCRIPTIONS)[]) => ({
  400: jsonAnswer(ValidationErrorBodySchema, 'A bad field, each named once in `details`.'),
  ...Object.fromEntries(statuses.map((status) => [status, jsonAnswer(ErrorBodySchema, ERROR_DESCRIPTIONS[status])])),
});

/** Any one of the named security schemes (the document's `components.securitySchemes`). */
export const anyOf = (...schemes: string[]): Record<string, string[]>[] => schemes.map((scheme) => ({ [scheme]: [] }));
