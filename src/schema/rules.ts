// The building blocks every API schema is made of, each with the message the API has always given
// for it, so a field breaks the same rule in the same words on every route.

import * as z from 'zod';
import { QUEUE_NAME_PATTERN } from '../protocol.ts';

type Range = { min: number; max: number };

const between = ({ min, max }: Range): string => `must be between ${min} and ${max}`;

/** Absent (`is required`) or present but of the wrong kind (`wrongKind`). */
export const requiredOr = (wrongKind: string) => (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : wrongKind);

export const integerIn = (range: Range) =>
  z
    .number({ error: requiredOr('must be an integer') })
    .int({ error: 'must be an integer' })
    .min(range.min, { error: between(range) })
    .max(range.max, { error: between(range) });

export const numberIn = (range: Range) =>
  z
    .number({ error: requiredOr('must be a number') })
    .min(range.min, { error: between(range) })
    .max(range.max, { error: between(range) });

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: requiredOr(`must be one of ${values.join(', ')}`) });

export { QUEUE_NAME_MESSAGE as queueNameMessage } from '../field-checker.ts';
import { QUEUE_NAME_MESSAGE as queueNameMessage } from '../field-checker.ts';

export const queueName = z
  .string({ error: queueNameMessage })
  .regex(QUEUE_NAME_PATTERN, { error: queueNameMessage })
  .meta({ description: 'A queue name.', example: 'email' });

/** An object that names each key it does not know; `shape` says what it is when it is not one. */
export const strictObject = <T extends z.core.$ZodLooseShape>(shape: T, notAnObject = 'must be an object') =>
  z.strictObject(shape, { error: notAnObject });
