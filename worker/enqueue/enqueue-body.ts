// The body of POST /queues/:name/jobs: `{ name?, data, opts? }`, one error per bad field.

import type { FieldError } from '../../src/protocol.ts';
import { isPlainObject } from '../../src/json.ts';
import { jobNameError, parseJobOptions, type JobOptions } from '../../src/jobs/job-options.ts';
import { ValidationError } from '../errors.ts';

export interface EnqueueBody {
  name?: string;
  data: unknown;
  opts: JobOptions;
}

const BODY_FIELDS = new Set(['name', 'data', 'opts']);

export const parseEnqueueBody = (body: unknown): EnqueueBody => {
  if (!isPlainObject(body)) throw new ValidationError([{ field: 'body', message: 'must be a JSON object { name?, data, opts? }' }]);
  const errors: FieldError[] = Object.keys(body)
    .filter((key) => !BODY_FIELDS.has(key))
    .map((key) => ({ field: key, message: 'is not a known field' }));
  const nameError = jobNameError(body.name);
  if (nameError) errors.push(nameError);
  if (!('data' in body)) errors.push({ field: 'data', message: 'is required' });
  const opts = parseJobOptions(body.opts);
  if (!opts.ok) errors.push(...opts.errors);
  if (errors.length > 0 || !opts.ok) throw new ValidationError(errors);
  return { name: body.name as string | undefined, data: body.data, opts: opts.value };
};
