// Routes the bridge calls, each signed with BRIDGE_SECRET: what to run, run one job or a batch, heartbeat.

import { Hono } from 'hono';
import {
  MAX_BATCH_BODY_BYTES,
  MAX_CONTROL_BODY_BYTES,
  MAX_JOB_BODY_BYTES,
  type DispatchBatchLine,
  type DispatchOutcome,
  type DispatchRequest,
  type RegistrationsResponse,
} from '../../src/protocol.ts';
import { endpointPolicy } from '../config.ts';
import type { SlotAnswer } from '../coordinator/types.ts';
import { featureSigner } from '../dispatch/feature-signer.ts';
import { enterDispatches, leaveDispatches, OVERLOADED_RETRY_AFTER_MS } from '../dispatch/isolate-load.ts';
import { isRefusal, parseDispatchBatch, parseDispatchRequest, parseHeartbeat, refusedOutcome } from '../dispatch/parse-request.ts';
import { ReleaseBatcher } from '../dispatch/release-batcher.ts';
import { runJob } from '../dispatch/run-job.ts';
import type { AppEnv } from '../env.ts';
import { ReplayedError, ValidationError } from '../errors.ts';
import { parseJsonBody } from '../http/read-body.ts';
import { bridgeAuth } from '../middleware/bridge-auth.ts';
import { refuseReplays } from '../middleware/refuse-replays.ts';
import { listRegistrations, registrationsEtag } from '../registry.ts';

/** How long a dispatch may wait in its queue's line for a slot before answering `throttled`. */
export const DISPATCH_MAX_WAIT_MS = 2_000;

const OVERLOADED: DispatchOutcome = { outcome: 'throttled', retryAfterMs: OVERLOADED_RETRY_AFTER_MS, reason: 'busy' };

const ndjson = (body: BodyInit): Response => new Response(body, { headers: { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' } });

const lineOf = (line: DispatchBatchLine): string => `${JSON.stringify(line)}\n`;

const ifNoneMatches = (header: string | undefined, etag: string): boolean =>
  header !== undefined && header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);

export const bridgeRoutes = new Hono<AppEnv>()
  .get('/registrations', bridgeAuth(0), async (c) => {
    const registrations = await listRegistrations(c.env.REGISTRATIONS);
    const etag = await registrationsEtag(registrations);
    c.header('ETag', etag);
    if (ifNoneMatches(c.req.header('If-None-Match'), etag)) return c.body(null, 304);
    return c.json<RegistrationsResponse>({ registrations });
  })
  .post('/dispatch', bridgeAuth(MAX_JOB_BODY_BYTES), refuseReplays, async (c) => {
    const parsed = parseDispatchRequest(parseJsonBody(c, c.get('rawBody')));
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    if (isRefusal(parsed.value)) return c.json(refusedOutcome(parsed.value));
    const job = parsed.value;
    const signer = await featureSigner(c.env, job.queueName);
    const policy = endpointPolicy(c.env, c.req.url);
    if (!enterDispatches(1)) return c.json<DispatchOutcome>(OVERLOADED);
    try {
      const coordinator = c.env.QUEUE_COORDINATOR.getByName(job.queueName);
      const slot = await coordinator.acquire({ jobId: job.jobId, attemptsMade: job.attemptsMade, maxWaitMs: DISPATCH_MAX_WAIT_MS, signature: c.get('signature') });
      if (slot.status === 'replayed') throw new ReplayedError();
      return c.json(await runJob(job, slot, signer, ({ leaseId, report }) => coordinator.release(leaseId, report), policy));
    } finally {
      leaveDispatches(1);
    }
  })
  .post('/dispatch/batch', bridgeAuth(MAX_BATCH_BODY_BYTES), refuseReplays, async (c) => {
    const rawBody = c.get('rawBody');
    const parsed = parseDispatchBatch(parseJsonBody(c, rawBody), rawBody.length);
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    const { queueName, jobs, refused } = parsed.value;
    const refusedLines = refused.map((refusal) => lineOf({ jobId: refusal.jobId, ...refusedOutcome(refusal) })).join('');
    if (jobs.length === 0) return ndjson(refusedLines);
    const signer = await featureSigner(c.env, queueName);
    const policy = endpointPolicy(c.env, c.req.url);
    if (!enterDispatches(jobs.length)) return ndjson(refusedLines + jobs.map((job) => lineOf({ jobId: job.jobId, ...OVERLOADED })).join(''));
    const coordinator = c.env.QUEUE_COORDINATOR.getByName(queueName);
    const attempts = jobs.map(({ jobId, attemptsMade }) => ({ jobId, attemptsMade }));
    const first = await coordinator.acquireMany(attempts, c.get('signature')).catch((error: unknown) => {
      leaveDispatches(jobs.length);
      throw error;
    });
    if (first.status === 'replayed') {
      leaveDispatches(jobs.length);
      throw new ReplayedError();
    }
    const releases = new ReleaseBatcher((batch) => coordinator.releaseMany(batch));
    const slotFor = (job: DispatchRequest, index: number): Promise<SlotAnswer> | SlotAnswer => {
      if (first.status !== 'granted') return first;
      return first.grants[index] ?? coordinator.acquire({ jobId: job.jobId, attemptsMade: job.attemptsMade, maxWaitMs: DISPATCH_MAX_WAIT_MS });
    };

    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    const written = refusedLines ? writer.write(encoder.encode(refusedLines)) : Promise.resolve();
    const work = Promise.all([
      written,
      ...jobs.map(async (job, index) => {
        const outcome = await runJob(job, await slotFor(job, index), signer, releases.release, policy);
        await writer.write(encoder.encode(lineOf({ jobId: job.jobId, ...outcome })));
      }),
    ]).finally(() => {
      leaveDispatches(jobs.length);
      return writer.close();
    });
    c.executionCtx.waitUntil(work.catch((error: unknown) => console.error('batch dispatch failed', { queue: queueName, error: String(error) })));
    return ndjson(readable);
  })
  .post('/heartbeat', bridgeAuth(MAX_CONTROL_BODY_BYTES), async (c) => {
    const parsed = parseHeartbeat(parseJsonBody(c, c.get('rawBody')));
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    await c.env.BRIDGE_MONITOR.getByName('default').heartbeat(parsed.value);
    return c.body(null, 204);
  });
