// Reads a request body once, with a size limit enforced while streaming (Content-Length can lie
// or be absent), and parses JSON with errors a client can act on.

import type { Context } from 'hono';
import { readLimitedText } from '../../src/http/read-limited-text.ts';
import { ApiError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.ts';

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The raw body text, rejecting anything over `limitBytes` with 413. */
export const readRawBody = async (c: Context, limitBytes: number): Promise<string> => {
  const text = await readLimitedText(c.req.raw, limitBytes);
  if (text === undefined) throw new PayloadTooLargeError(limitBytes);
  return text;
};

/** Requires a JSON content type, then parses `raw`; 415 / 400 otherwise. */
export const parseJsonBody = (c: Context, raw: string): unknown => {
  if (!JSON_CONTENT_TYPE.test(c.req.header('Content-Type') ?? '')) throw new UnsupportedMediaTypeError();
  if (raw.trim() === '') throw new ApiError(400, 'invalid_json', 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new ApiError(400, 'invalid_json', `request body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
};

export const readJsonBody = async (c: Context, limitBytes: number): Promise<unknown> =>
  parseJsonBody(c, await readRawBody(c, limitBytes));
