// The operations routes under /ops (ARCHITECTURE "Operations (bridge)"): read with OPS_READ_TOKEN,
// act with OPS_TOKEN. Input is checked whole before anything changes; an unknown queue or job is 404.

import { Job } from 'bullmq';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Hono, type Context } from 'hono';
import * as z from 'zod';
import { anyOf, errorAnswers, jsonAnswer, jsonBody } from '../../src/openapi/responses.ts';
import {
  AlertsOverviewSchema,
  CancelledSchema,
  JobDetailSchema,
  JobListQuerySchema,
  JobPageSchema,
  PurgedSchema,
  PurgeSchema,
  QueuesOverviewSchema,
  RedrivenSchema,
  RedriveSchema,
  RetriedSchema,
} from '../../src/ops-protocol.ts';
import { isValidQueueName, queueNameError } from '../../src/registration.ts';
import { queueName } from '../../src/schema/rules.ts';
import type { AlertOutbox } from '../alerts/outbox.ts';
import type { OpsTokens } from '../config.ts';
import type { QueueRunner } from '../queue-runner.ts';
import { requireOps } from './auth.ts';
import type { CancelBus } from './cancel-bus.ts';
import { cancelJob } from './cancel-job.ts';
import type { EdgeFigures } from './edge-figures.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { listJobs } from './job-pages.ts';
import { jobDetail } from './job-view.ts';
import { parseJobListQuery, parsePurge, parseRedrive, readJsonObject } from './ops-input.ts';
import { purgeJobs } from './purge.ts';
import { queuesOverview } from './queues-overview.ts';
import { redriveFailed } from './redrive.ts';
import { retryFailedJob } from './retry-job.ts';

export interface OpsContext {
  tokens: OpsTokens;
  runners: () => QueueRunner[];
  runner: (name: string) => QueueRunner | undefined;
  edgeFigures: () => Promise<EdgeFigures>;
  cancels: CancelBus;
  alerts: AlertOutbox;
}

const read = { tags: ['ops'], security: anyOf('opsRead', 'ops') };
const act = { tags: ['ops'], security: anyOf('ops') };
const queue = z.object({ name: queueName });
const job = z.object({ name: queueName, id: z.string().meta({ description: 'The job id.', example: '17' }) });

/** These routes for the OpenAPI document, relative to /ops. */
export const OPS_ROUTES: RouteConfig[] = [
  {
    method: 'get',
    path: '/queues',
    ...read,
    summary: "Every registered queue: counts by state, registration (alerts.url as its origin only, unless OPS_TOKEN), the edge's figures",
    responses: { 200: jsonAnswer(QueuesOverviewSchema, 'The queues.'), ...errorAnswers(401, 503) },
  },
  {
    method: 'get',
    path: '/queues/{name}/jobs',
    ...read,
    summary: 'Jobs of one state, newest first',
    request: { params: queue, query: JobListQuerySchema },
    responses: { 200: jsonAnswer(JobPageSchema, 'One page.'), ...errorAnswers(401, 404, 503) },
  },
  {
    method: 'get',
    path: '/queues/{name}/jobs/{id}',
    ...read,
    summary: 'One job, with data, options, return value and its attempt trail',
    request: { params: job },
    responses: { 200: jsonAnswer(JobDetailSchema, 'The job.'), ...errorAnswers(401, 404, 503) },
  },
  {
    method: 'post',
    path: '/queues/{name}/jobs/{id}/retry',
    ...act,
    summary: 'A failed job back to waiting with fresh attempts',
    request: { params: job },
    responses: { 200: jsonAnswer(RetriedSchema, 'Waiting again.'), ...errorAnswers(401, 403, 404, 409, 503) },
  },
  {
    method: 'post',
    path: '/queues/{name}/jobs/{id}/cancel',
    ...act,
    summary: 'Remove a job that has not started, or abort the feature call of an active one',
    request: { params: job },
    responses: {
      200: jsonAnswer(CancelledSchema, 'Removed, or failed as cancelled.'),
      202: jsonAnswer(CancelledSchema, 'Active: the cancel is on its way.'),
      ...errorAnswers(401, 403, 404, 409, 503),
    },
  },
  {
    method: 'post',
    path: '/queues/{name}/failed/retry',
    ...act,
    summary: 'Redrive failed jobs matching a filter, paced',
    request: { params: queue, body: jsonBody(RedriveSchema, false) },
    responses: { 200: jsonAnswer(RedrivenSchema, 'How many matched and were retried.'), ...errorAnswers(401, 403, 404, 503) },
  },
  {
    method: 'post',
    path: '/queues/{name}/purge',
    ...act,
    summary: 'Remove jobs of the given states (never active ones)',
    request: { params: queue, body: jsonBody(PurgeSchema) },
    responses: { 200: jsonAnswer(PurgedSchema, 'How many were removed.'), ...errorAnswers(401, 403, 404, 503) },
  },
  {
    method: 'get',
    path: '/alerts',
    ...read,
    summary: 'Alert webhooks: whether they are signed, how many wait, and the most recent delivery tries with their status',
    responses: { 200: jsonAnswer(AlertsOverviewSchema, 'The alert deliveries.'), ...errorAnswers(401, 503) },
  },
];
/** How many recent alert delivery tries GET /ops/alerts shows. */
const RECENT_ALERT_DELIVERIES = 100;

export const createOpsRoutes = (ops: OpsContext): Hono => {
  const readScope = requireOps(ops.tokens, 'read');
  const actScope = requireOps(ops.tokens, 'act');

  const runnerOf = (c: Context): QueueRunner => {
    const name = c.req.param('name') ?? '';
    if (!isValidQueueName(name)) throw new ValidationError([queueNameError('name')]);
    const runner = ops.runner(name);
    if (!runner) throw new NotFoundError(`queue '${name}' is not registered (or this bridge has not synced it yet)`);
    return runner;
  };

  const jobOf = async (c: Context): Promise<{ runner: QueueRunner; job: Job }> => {
    const runner = runnerOf(c);
    const id = c.req.param('id') ?? '';
    const job = await Job.fromId(runner.queue, id);
    if (!job) throw new NotFoundError(`queue '${runner.name}' has no job '${id}'`);
    return { runner, job };
  };

  return new Hono()
    .get('/alerts', readScope, async (c) => {
      const [pending, deliveries] = await Promise.all([ops.alerts.pending(), ops.alerts.recent(RECENT_ALERT_DELIVERIES)]);
      return c.json({ signing: ops.alerts.enabled, pending, deliveries });
    })
    .get('/queues', readScope, async (c) => c.json(await queuesOverview(ops.runners(), ops.edgeFigures(), c.get('opsScope'))))
    .get('/queues/:name/jobs', readScope, async (c) => {
      const runner = runnerOf(c);
      const { state, limit, cursor } = parseJobListQuery(c.req.query());
      return c.json(await listJobs(runner, state, limit, cursor));
    })
    .get('/queues/:name/jobs/:id', readScope, async (c) => {
      const { runner, job } = await jobOf(c);
      return c.json(await jobDetail(runner.queue, job));
    })
    .post('/queues/:name/jobs/:id/retry', actScope, async (c) => c.json(await retryFailedJob((await jobOf(c)).job)))
    .post('/queues/:name/jobs/:id/cancel', actScope, async (c) => {
      const { runner, job } = await jobOf(c);
      const result = await cancelJob(runner.queue, job, ops.cancels);
      return c.json(result, result.state === 'active' ? 202 : 200);
    })
    .post('/queues/:name/failed/retry', actScope, async (c) => {
      const runner = runnerOf(c);
      const input = parseRedrive(await readJsonObject(c.req.raw));
      return c.json(await redriveFailed(runner, input));
    })
    .post('/queues/:name/purge', actScope, async (c) => {
      const runner = runnerOf(c);
      const { states, olderThanMs } = parsePurge(await readJsonObject(c.req.raw));
      return c.json(await purgeJobs(runner.queue, states, olderThanMs));
    });
};
