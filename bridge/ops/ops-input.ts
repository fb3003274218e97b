// The operations routes' query strings and bodies, checked field by field (FieldChecker): every
// problem is named in one 400, and nothing is done before the whole input is known to be good.

import { isPlainObject, parseJsonOrUndefined } from '../../src/json.ts';
import { MAX_CONTROL_BODY_BYTES } from '../../src/protocol.ts';
import { readLimitedText } from '../../src/http/read-limited-text.ts';
import { FieldChecker } from '../../src/registration.ts';
import { decodeCursor, type JobCursor } from './job-cursor.ts';
import { ValidationError } from './errors.ts';
import { JOB_STATES, PURGEABLE_STATES, type JobState, type PurgeableState } from '../../src/ops-protocol.ts';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
const DEFAULT_REDRIVE_LIMIT = 1_000;
const MAX_REDRIVE_LIMIT = 10_000;
const MAX_PER_SECOND = 1_000;
/** Ten years: further back than any retention, so any age an operator means fits. */
const MAX_AGE_MS = 10 * 365 * 24 * 3_600_000;
const MAX_ERROR_FILTER_CHARS = 1_024;
const AGE = { min: 0, max: MAX_AGE_MS };

const REDRIVE_FIELDS = new Set(['olderThanMs', 'newerThanMs', 'errorContains', 'limit', 'perSecond']);
const PURGE_FIELDS = new Set(['states', 'olderThanMs']);
const LIST_FIELDS = new Set(['state', 'limit', 'cursor']);

export interface JobListQuery {
  state: JobState;
  limit: number;
  cursor?: JobCursor;
}

export interface RedriveInput {
  olderThanMs?: number;
  newerThanMs?: number;
  errorContains?: string;
  limit: number;
  perSecond?: number;
}

export interface PurgeInput {
  states: PurgeableState[];
  olderThanMs: number;
}

const oneOf = <T extends string>(check: FieldChecker, value: unknown, field: string, allowed: readonly T[]): T | undefined =>
  allowed.includes(value as T) ? (value as T) : check.fail(field, `must be one of ${allowed.join(', ')}`);

/** A query-string integer: digits only, so `1e3`, `0x10` and `` are refused rather than guessed at. */
const queryInteger = (check: FieldChecker, value: string, field: string, range: { min: number; max: number }): number | undefined =>
  /^\d{1,9}$/.test(value) ? check.integer(Number(value), field, range) : check.fail(field, 'must be a whole number');

const done = <T>(check: FieldChecker, value: T): T => {
  if (check.errors.length > 0) throw new ValidationError(check.errors);
  return value;
};

export const parseJobListQuery = (query: Record<string, string>): JobListQuery => {
  const check = new FieldChecker();
  check.unknownFields(query, LIST_FIELDS, '');
  const state = query.state === undefined ? check.fail('state', 'is required') : oneOf(check, query.state, 'state', JOB_STATES);
  const limit = query.limit === undefined ? DEFAULT_PAGE : queryInteger(check, query.limit, 'limit', { min: 1, max: MAX_PAGE });
  let cursor: JobCursor | undefined;
  if (query.cursor !== undefined) {
    cursor = decodeCursor(query.cursor);
    if (!cursor) check.fail('cursor', 'is not a cursor this route gave out');
    else if (state && cursor.state !== state) check.fail('cursor', `belongs to state '${cursor.state}', not '${state}'`);
  }
  return done(check, { state: state as JobState, limit: limit as number, ...(cursor ? { cursor } : {}) });
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

export const parseRedrive = (body: Record<string, unknown>): RedriveInput => {
  const check = new FieldChecker();
  check.unknownFields(body, REDRIVE_FIELDS, '');
  const input: RedriveInput = { limit: DEFAULT_REDRIVE_LIMIT };
  if (body.olderThanMs !== undefined) input.olderThanMs = check.integer(body.olderThanMs, 'olderThanMs', AGE);
  if (body.newerThanMs !== undefined) input.newerThanMs = check.integer(body.newerThanMs, 'newerThanMs', AGE);
  if (input.olderThanMs !== undefined && input.newerThanMs !== undefined && input.newerThanMs < input.olderThanMs) {
    check.fail('newerThanMs', 'must not be less than olderThanMs (the window would be empty)');
  }
  if (body.errorContains !== undefined) {
    if (typeof body.errorContains !== 'string' || body.errorContains.length === 0 || body.errorContains.length > MAX_ERROR_FILTER_CHARS) {
      check.fail('errorContains', `must be a string of 1-${MAX_ERROR_FILTER_CHARS} characters`);
    } else input.errorContains = body.errorContains;
  }
  if (body.limit !== undefined) input.limit = check.integer(body.limit, 'limit', { min: 1, max: MAX_REDRIVE_LIMIT }) as number;
  if (body.perSecond !== undefined) input.perSecond = check.number(body.perSecond, 'perSecond', { min: 0.1, max: MAX_PER_SECOND });
  return done(check, input);
};

export const parsePurge = (body: Record<string, unknown>): PurgeInput => {
  const check = new FieldChecker();
  check.unknownFields(body, PURGE_FIELDS, '');
  const states: PurgeableState[] = [];
  if (!Array.isArray(body.states) || body.states.length === 0) {
    check.fail('states', `must be a non-empty array of ${PURGEABLE_STATES.join(', ')}`);
  } else {
    body.states.forEach((value, index) => {
      if (value === 'active') check.fail(`states[${index}]`, 'active jobs are never purged; cancel them one by one');
      else {
        const state = oneOf(check, value, `states[${index}]`, PURGEABLE_STATES);
        if (state && !states.includes(state)) states.push(state);
      }
    });
  }
  const olderThanMs = body.olderThanMs === undefined ? 0 : check.integer(body.olderThanMs, 'olderThanMs', AGE);
  return done(check, { states, olderThanMs: olderThanMs as number });
};
