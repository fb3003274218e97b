// Reads a request body once, with a size limit enforced while streaming (Content-Length can lie
// or be absent), and parses JSON with errors a client can act on.

import type { Context } from 'hono';
import { readLimitedText } from '../../src/http/read-limited-text.ts';
import { InvalidJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.ts';

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** How far past the limit a declared body is still read to the end before the 413. */
const DRAIN_FACTOR = 4;

export interface ReadBodyOptions {
  /**
   * Read an oversized body (up to DRAIN_FACTOR × the limit) to its end before answering 413, so a
   * client still sending gets the 413 and not a reset connection. Only for routes whose caller is
   * already authenticated: it costs reading what will be thrown away.
   */
  drainOversized?: boolean;
}

const drained = async (request: Request, limitBytes: number): Promise<boolean> => {
  const declared = Number(request.headers.get('Content-Length'));
  if (!request.body || !Number.isFinite(declared) || declared <= limitBytes || declared > limitBytes * DRAIN_FACTOR) return false;
  const reader = request.body.getReader();
  while (!(await reader.read()).done);
  return true;
};

/** The raw body text, rejecting anything over `limitBytes` with 413. */
export const readRawBody = async (c: Context, limitBytes: number, { drainOversized = false }: ReadBodyOptions = {}): Promise<string> => {
  if (drainOversized && (await drained(c.req.raw, limitBytes))) throw new PayloadTooLargeError(limitBytes);
  const text = await readLimitedText(c.req.raw, limitBytes);
  if (text === undefined) throw new PayloadTooLargeError(limitBytes);
  return text;
};

/** Requires a JSON content type, then parses `raw`; 415 / 400 otherwise. */
export const parseJsonBody = (c: Context, raw: string): unknown => {
  if (!JSON_CONTENT_TYPE.test(c.req.header('Content-Type') ?? '')) throw new UnsupportedMediaTypeError();
  if (raw.trim() === '') throw new InvalidJsonError('request body is empty; expected a JSON object');
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new InvalidJsonError(`request body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
};

export const readJsonBody = async (c: Context, limitBytes: number, options?: ReadBodyOptions): Promise<unknown> =>
  parseJsonBody(c, await readRawBody(c, limitBytes, options));
