// The operations routes under /ops (ARCHITECTURE "Operations (bridge)"): read with OPS_READ_TOKEN,
// act with OPS_TOKEN. Input is checked whole before anything changes; an unknown queue or job is 404.

import { Job } from 'bullmq';
import { Hono, type Context } from 'hono';
import { isValidQueueName, queueNameError } from '../../src/registration.ts';
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

/** How many recent alert delivery tries GET /ops/alerts shows. */
const RECENT_ALERT_DELIVERIES = 100;

export const createOpsRoutes = (ops: OpsContext): Hono => {
  const read = requireOps(ops.tokens, 'read');
  const act = requireOps(ops.tokens, 'act');

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
    .get('/alerts', read, async (c) => {
      const [pending, deliveries] = await Promise.all([ops.alerts.pending(), ops.alerts.recent(RECENT_ALERT_DELIVERIES)]);
      return c.json({ signing: ops.alerts.enabled, pending, deliveries });
    })
    .get('/queues', read, async (c) => c.json(await queuesOverview(ops.runners(), ops.edgeFigures())))
    .get('/queues/:name/jobs', read, async (c) => {
      const runner = runnerOf(c);
      const { state, limit, cursor } = parseJobListQuery(c.req.query());
      return c.json(await listJobs(runner, state, limit, cursor));
    })
    .get('/queues/:name/jobs/:id', read, async (c) => {
      const { runner, job } = await jobOf(c);
      return c.json(await jobDetail(runner.queue, job));
    })
    .post('/queues/:name/jobs/:id/retry', act, async (c) => c.json(await retryFailedJob((await jobOf(c)).job)))
    .post('/queues/:name/jobs/:id/cancel', act, async (c) => {
      const { runner, job } = await jobOf(c);
      const result = await cancelJob(runner.queue, job, ops.cancels);
      return c.json(result, result.state === 'active' ? 202 : 200);
    })
    .post('/queues/:name/failed/retry', act, async (c) => {
      const runner = runnerOf(c);
      const input = parseRedrive(await readJsonObject(c.req.raw));
      return c.json(await redriveFailed(runner, input));
    })
    .post('/queues/:name/purge', act, async (c) => {
      const runner = runnerOf(c);
      const { states, olderThanMs } = parsePurge(await readJsonObject(c.req.raw));
      return c.json(await purgeJobs(runner.queue, states, olderThanMs));
    });
};
