// Checks the seed-shaped body the edge sends a feature: { jobId, queueName, data, attemptsMade, name? }.

import type { FeatureJobRequest } from '../protocol.ts';
import { isPlainObject, parseJsonOrUndefined } from '../json.ts';

export type ParseResult = { ok: true; value: FeatureJobRequest } | { ok: false; message: string };

export const parseJobRequest = (raw: string): ParseResult => {
  const body = parseJsonOrUndefined(raw);
  if (body === undefined) return { ok: false, message: 'body is not valid JSON' };
  if (!isPlainObject(body)) return { ok: false, message: 'body must be a JSON object' };
  const { jobId, queueName, data, attemptsMade, name } = body;
  if (typeof jobId !== 'string' || jobId === '') return { ok: false, message: 'jobId must be a non-empty string' };
  if (typeof queueName !== 'string' || queueName === '') return { ok: false, message: 'queueName must be a non-empty string' };
  if (!('data' in body)) return { ok: false, message: 'data is required' };
  if (typeof attemptsMade !== 'number' || !Number.isSafeInteger(attemptsMade) || attemptsMade < 0) {
    return { ok: false, message: 'attemptsMade must be an integer >= 0' };
  }
  if (name !== undefined && typeof name !== 'string') return { ok: false, message: 'name must be a string when given' };
  return { ok: true, value: { jobId, queueName, data, attemptsMade, ...(name === undefined ? {} : { name }) } };
};
