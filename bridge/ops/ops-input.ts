// The operations routes' query strings and bodies, checked by their schemas (src/ops-protocol.ts):
// every problem is named in one 400, and nothing is done before the whole input is known to be good.

import { isPlainObject, parseJsonOrUndefined } from '../../src/json.ts';
import { MAX_CONTROL_BODY_BYTES } from '../../src/protocol.ts';
import { readLimitedText } from '../../src/http/read-limited-text.ts';
import { checkWith } from '../../src/schema/field-errors.ts';
import type { z } from 'zod';
import { decodeCursor, type JobCursor } from './job-cursor.ts';
import { ValidationError } from './errors.ts';
import { DEFAULT_PAGE, JOB_STATES, JobListQuerySchema, PurgeSchema, RedriveSchema, type JobState, type PurgeInput, type RedriveInput } from '../../src/ops-protocol.ts';

export type { PurgeInput, RedriveInput };

export interface JobListQuery {
  state: JobState;
  limit: number;
  cursor?: JobCursor;
}

const checked = <S extends z.ZodType>(schema: S, input: unknown): z.output<S> => {
  const result = checkWith(schema, input);
  if (!result.ok) throw new ValidationError(result.errors);
  return result.value;
};

export const parseJobListQuery = (query: Record<string, string>): JobListQuery => {
  const result = checkWith(JobListQuerySchema, query);
  const errors = result.ok ? [] : result.errors;
  // The cursor is judged against a good state even when another field is bad: every problem in one 400.
  const state = JOB_STATES.find((known) => known === query.state);
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.cursor !== undefined && !cursor) errors.push({ field: 'cursor', message: 'is not a cursor this route gave out' });
  else if (cursor && state && cursor.state !== state) errors.push({ field: 'cursor', message: `belongs to state '${cursor.state}', not '${state}'` });
  if (!result.ok || errors.length > 0) throw new ValidationError(errors);
  return { state: result.value.state, limit: result.value.limit ?? DEFAULT_PAGE, ...(cursor ? { cursor } : {}) };
};

/** The JSON object a POST carries; an empty body is `{}`. */
export const readJsonObject = async (request: Request): Promise<Record<string, unknown>> => {
  const text = await readLimitedText(request, MAX_CONTROL_BODY_BYTES, { fatal: true }).catch(() => null);
  if (text === undefined) throw new ValidationError([{ field: 'body', message: `must be at most ${MAX_CONTROL_BODY_BYTES} bytes` }]);
  if (text === null) throw new ValidationError([{ field: 'body', message: 'must be UTF-8' }]);
  if (text.trim() === '') return {};
  const body = parseJsonOrUndefined(text);
  if (!isPlainObject(body)) throw new ValidationError([{ field: 'body', message: 'must be a JSON object' }]);
  return body;
};

export const parseRedrive = (body: Record<string, unknown>): RedriveInput => checked(RedriveSchema, body);

export const parsePurge = (body: Record<string, unknown>): PurgeInput => checked(PurgeSchema, body);
