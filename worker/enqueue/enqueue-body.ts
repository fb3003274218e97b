// The body of POST /queues/:name/jobs: `{ name?, data, opts? }` (EnqueueBodySchema), one error per bad field.

import type { JobOptions } from '../../src/jobs/job-options.ts';
import { checkWith } from '../../src/schema/field-errors.ts';
import { EnqueueBodySchema } from '../../src/schema/jobs.ts';
import { ValidationError } from '../errors.ts';

export interface EnqueueBody {
  name?: string;
  data: unknown;
  opts: JobOptions;
}

export const parseEnqueueBody = (body: unknown): EnqueueBody => {
  const checked = checkWith(EnqueueBodySchema, body);
  if (!checked.ok) throw new ValidationError(checked.errors);
  const { name, data, opts = {} } = checked.value;
  return { name, data, opts };
};
