// POST /queues/:name/jobs (ARCHITECTURE "Edge producers"): enqueue a genuine BullMQ job from a
// Worker, through @upstash/redis. 201 { jobId } for a new job, 200 with the existing id when the
// producer's jobId is taken; 401 bad token, 404 unknown queue, 413 too large, 400 naming the field.
// A W3C `traceparent` request header puts the job in the producer's trace; without a valid one (W3C:
// an invalid one is ignored, not refused) a new trace starts. A new job's answer names its traceparent.

import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Hono } from 'hono';
import * as z from 'zod';
import { MAX_JOB_BODY_BYTES } from '../../src/protocol.ts';
import { anyOf, errorAnswers, jsonAnswer, jsonBody } from '../../src/openapi/responses.ts';
import { isValidQueueName, queueNameError } from '../../src/registration.ts';
import { EnqueueBodySchema, EnqueuedSchema } from '../../src/schema/jobs.ts';
import { queueName } from '../../src/schema/rules.ts';
import { serialiseJobData } from '../../src/jobs/job-data.ts';
import { MAX_JOB_DATA_BYTES } from '../../src/jobs/limits.ts';
import { resolveJobOptions, withTraceparent } from '../../src/jobs/job-options.ts';
import { HEADER_TRACEPARENT, isTraceparent, startTraceparent } from '../../src/tracing/traceparent.ts';
import { addJob } from '../enqueue/add-job.ts';
import { parseEnqueueBody } from '../enqueue/enqueue-body.ts';
import { queueKeys } from '../enqueue/queue-keys.ts';
import { queuePrefix } from '../config.ts';
import { upstashFor, type UpstashBindings } from '../enqueue/upstash.ts';
import { NotFoundError, PayloadTooLargeError, RedisUnavailableError, ValidationError } from '../errors.ts';
import { readJsonBody } from '../http/read-body.ts';
import { requireBearer } from '../middleware/admin-auth.ts';
import { readRegistration } from '../registry.ts';

export interface QueuesBindings extends UpstashBindings {
  REGISTRATIONS: KVNamespace;
  /** Bearer token producers send; a Worker secret. */
  PRODUCER_TOKEN?: string;
}

const producerAuth = requireBearer('PRODUCER_TOKEN', 'producer');

/** This route for the OpenAPI document, relative to /queues. */
export const QUEUE_ROUTES: RouteConfig[] = [
  {
  method: 'post',
  path: '/{name}/jobs',
  tags: ['producer'],
  security: anyOf('producer'),
  summary: 'Add a job (a genuine BullMQ job, in Redis through the Upstash REST API)',
  request: { params: z.object({ name: queueName }), body: jsonBody(EnqueueBodySchema) },
  responses: {
    200: jsonAnswer(EnqueuedSchema, 'A job with your jobId existed: its id, nothing added.'),
    201: jsonAnswer(EnqueuedSchema, 'Added.'),
    ...errorAnswers(401, 404, 413, 415, 503),
  },
  },
];

export const queuesRoutes = new Hono<{ Bindings: QueuesBindings }>().post('/:name/jobs', producerAuth, async (c) => {
  const queue = c.req.param('name');
  if (!isValidQueueName(queue)) throw new ValidationError([queueNameError('queue')]);
  const body = parseEnqueueBody(await readJsonBody(c, MAX_JOB_BODY_BYTES, { drainOversized: true, exactNumbers: true }));
  const registration = await readRegistration(c.env.REGISTRATIONS, queue);
  if (!registration) throw new NotFoundError(`queue '${queue}' is not registered`);
  const data = serialiseJobData(body.data);
  if (!data.ok && data.reason === 'too_large') throw new PayloadTooLargeError(MAX_JOB_DATA_BYTES, `data ${data.message}`);
  if (!data.ok) throw new ValidationError([{ field: 'data', message: data.message }]);

  const redis = upstashFor(c.env);
  const sent = c.req.header(HEADER_TRACEPARENT);
  const traceparent = isTraceparent(sent) ? sent : startTraceparent();
  const job = {
    name: body.name ?? queue,
    dataJson: data.json,
    opts: withTraceparent(resolveJobOptions(body.opts, registration.retry), traceparent),
    timestamp: Date.now(),
  };
  const added = await addJob(redis, queueKeys(queue, queuePrefix(c.env)), job).catch((error: unknown) => {
    throw new RedisUnavailableError(error);
  });
  // An existing job (its jobId was taken) keeps the trace it was added with.
  return added.created ? c.json({ jobId: added.jobId, traceparent }, 201) : c.json({ jobId: added.jobId }, 200);
});
