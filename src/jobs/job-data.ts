// Job data as BullMQ stores it (JSON text), refused before anything reaches Redis when it cannot be
// serialised or is too large to be dispatched later.

import { MAX_JOB_DATA_BYTES } from './limits.ts';

export type SerialisedJobData =
  | { ok: true; json: string }
  | { ok: false; reason: 'unserialisable' | 'too_large'; message: string };

const encoder = new TextEncoder();

export const serialiseJobData = (data: unknown): SerialisedJobData => {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    return { ok: false, reason: 'unserialisable', message: `must be JSON-serialisable: ${(error as Error).message}` };
  }
  if (json === undefined) return { ok: false, reason: 'unserialisable', message: `must be JSON-serialisable, got ${typeof data}` };
  const bytes = encoder.encode(json).byteLength;
  if (bytes > MAX_JOB_DATA_BYTES) {
    return { ok: false, reason: 'too_large', message: `must be at most ${MAX_JOB_DATA_BYTES} bytes as JSON, got ${bytes}` };
  }
  return { ok: true, json };
};
