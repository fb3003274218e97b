// Reads a request body once, with a size limit enforced while streaming (Content-Length can lie
// or be absent), and parses JSON with errors a client can act on.

import type { Context } from 'hono';
import { ApiError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The raw body text, rejecting anything over `limitBytes` with 413. */
export const readRawBody = async (c: Context, limitBytes: number): Promise<string> => {
  const declared = Number(c.req.header('Content-Length'));
  if (Number.isFinite(declared) && declared > limitBytes) throw new PayloadTooLargeError(limitBytes);
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel();
      throw new PayloadTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
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
