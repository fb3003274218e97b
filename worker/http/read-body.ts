// Reads a request body once, with a size limit enforced while streaming (Content-Length can lie
// or be absent), and parses JSON with errors a client can act on.

import type { Context } from 'hono';
import { readLimitedText } from '../../src/http/read-limited-text.ts';
import { exceedsJsonDepth, MAX_BODY_JSON_DEPTH, parseJsonWithExactNumbers } from '../../src/json.ts';
import { InvalidEncodingError, InvalidJsonError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors.ts';

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
  /**
   * Refuse bytes that are not UTF-8 (400 `invalid_encoding`), default true. A signed route reads
   * leniently instead and lets the signature judge: no signer can sign invalid bytes, so such a
   * body never verifies, and an unsigned caller learns nothing before its 401.
   */
  strictUtf8?: boolean;
}

const drained = async (request: Request, limitBytes: number): Promise<boolean> => {
  const declared = Number(request.headers.get('Content-Length'));
  if (!request.body || !Number.isFinite(declared) || declared <= limitBytes || declared > limitBytes * DRAIN_FACTOR) return false;
  const reader = request.body.getReader();
  while (!(await reader.read()).done);
  return true;
};

/** The raw body text, rejecting anything over `limitBytes` with 413. */
export const readRawBody = async (c: Context, limitBytes: number, { drainOversized = false, strictUtf8 = true }: ReadBodyOptions = {}): Promise<string> => {
  if (drainOversized && (await drained(c.req.raw, limitBytes))) throw new PayloadTooLargeError(limitBytes);
  let text: string | undefined;
  try {
    text = await readLimitedText(c.req.raw, limitBytes, { fatal: strictUtf8 });
  } catch (cause) {
    if (cause instanceof TypeError) throw new InvalidEncodingError({ cause });
    throw cause;
  }
  if (text === undefined) throw new PayloadTooLargeError(limitBytes);
  return text;
};

export interface ParseJsonOptions {
  /** Refuse (400 naming the field) numbers a double cannot hold exactly, rather than store them changed. */
  exactNumbers?: boolean;
}

/** Requires a JSON content type, then parses `raw`; 415 / 400 otherwise. */
export const parseJsonBody = (c: Context, raw: string, { exactNumbers = false }: ParseJsonOptions = {}): unknown => {
  if (!JSON_CONTENT_TYPE.test(c.req.header('Content-Type') ?? '')) throw new UnsupportedMediaTypeError();
  if (raw.trim() === '') throw new InvalidJsonError('request body is empty; expected a JSON object');
  if (exceedsJsonDepth(raw, MAX_BODY_JSON_DEPTH)) {
    throw new InvalidJsonError(`request body nests objects and arrays deeper than ${MAX_BODY_JSON_DEPTH} levels`, { details: { maxDepth: MAX_BODY_JSON_DEPTH } });
  }
  let parsed: ReturnType<typeof parseJsonWithExactNumbers>;
  try {
    parsed = exactNumbers ? parseJsonWithExactNumbers(raw) : { value: JSON.parse(raw) };
  } catch (cause) {
    throw new InvalidJsonError(`request body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (parsed.inexact) {
    const { source, parsed: became, path } = parsed.inexact;
    throw new ValidationError([
      { field: path.replace(/^\./, '') || 'body', message: `holds the number ${source.slice(0, 40)}, which JSON cannot carry exactly (it would become ${became}); send it as a string` },
    ]);
  }
  return parsed.value;
};

export const readJsonBody = async (c: Context, limitBytes: number, options: ReadBodyOptions & ParseJsonOptions = {}): Promise<unknown> =>
  parseJsonBody(c, await readRawBody(c, limitBytes, options), options);
