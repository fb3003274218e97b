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
import { endpointPolicy, registrationDefaults } from '../config.ts';
import type { Release, SlotAnswer } from '../coordinator/types.ts';
import { featureSigner } from '../dispatch/feature-signer.ts';
import { budgetThrottled, featureDuration, isolateBudget } from '../dispatch/isolate-load.ts';
import { isRefusal, parseCancelRequest, parseDispatchBatch, parseDispatchRequest, parseHeartbeat, parsePausedRequest, refusedOutcome } from '../dispatch/parse-request.ts';
import { ReleaseBatcher } from '../dispatch/release-batcher.ts';
import { runJob } from '../dispatch/run-job.ts';
import type { AppEnv } from '../env.ts';
import { NotFoundError, ReplayedError, StoreUnavailableError, ValidationError } from '../errors.ts';
import { parseJsonBody } from '../http/read-body.ts';
import { bridgeAuth } from '../middleware/bridge-auth.ts';
import { refuseReplays } from '../middleware/refuse-replays.ts';
import { registryIndex } from '../registry.ts';
import { isValidQueueName, queueNameError } from '../../src/registration.ts';

/** How long a dispatch may wait in its queue's line for a slot before answering `throttled`. */
export const DISPATCH_MAX_WAIT_MS = 2_000;

/** Per request, an abort switch for each of its jobs, which the queue's coordinator can flip (a cancel). */
const cancelSwitches = (jobIds: string[]) => {
  const controllers = new Map(jobIds.map((jobId) => [jobId, new AbortController()]));
  return {
    signal: (jobId: string): AbortSignal | undefined => controllers.get(jobId)?.signal,
    onCancel: (jobId: string): void => controllers.get(jobId)?.abort(),
  };
};

const ndjson = (body: BodyInit): Response => new Response(body, { headers: { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' } });

const lineOf = (line: DispatchBatchLine): string => `${JSON.stringify(line)}\n`;

export const bridgeRoutes = new Hono<AppEnv>()
  .get('/registrations', bridgeAuth(0), async (c) => {
    // One call to the index whatever the number of queues; unchanged, it sends only the ETag back.
    const { etag, registrations } = await registryIndex(c.env).read(c.req.header('If-None-Match'));
    c.header('ETag', etag);
    if (!registrations) return c.body(null, 304);
    return c.json<RegistrationsResponse>({ registrations });
  })
  .post('/dispatch', bridgeAuth(MAX_JOB_BODY_BYTES), refuseReplays, async (c) => {
    const parsed = parseDispatchRequest(parseJsonBody(c, c.get('rawBody')));
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    if (isRefusal(parsed.value)) return c.json(refusedOutcome(parsed.value));
    const job = parsed.value;
    const signer = await featureSigner(c.env, job.queueName);
    const policy = endpointPolicy(c.env, c.req.url);
    const budget = isolateBudget(c.env);
    if (budget.admit(job.queueName, 1) === 0) return c.json<DispatchOutcome>(budgetThrottled(budget, job.queueName));
    let outcome: DispatchOutcome | undefined;
    try {
      const coordinator = c.env.QUEUE_COORDINATOR.getByName(job.queueName);
      const cancels = cancelSwitches([job.jobId]);
      const slot = await coordinator.acquire({
        jobId: job.jobId,
        attemptsMade: job.attemptsMade,
        maxWaitMs: DISPATCH_MAX_WAIT_MS,
        signature: c.get('signature'),
        onCancel: cancels.onCancel,
      });
      if (slot.status === 'replayed') throw new ReplayedError();
      const release = ({ leaseId, report }: Release) => coordinator.release(leaseId, report, budget.takeRefused(job.queueName));
      outcome = await runJob(job, slot, signer, release, policy, cancels.signal(job.jobId));
      return c.json(outcome);
    } finally {
      budget.leave(job.queueName, 1, featureDuration(outcome));
    }
  })
  .post('/dispatch/batch', bridgeAuth(MAX_BATCH_BODY_BYTES), refuseReplays, async (c) => {
    const rawBody = c.get('rawBody');
    const parsed = parseDispatchBatch(parseJsonBody(c, rawBody), rawBody.length);
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    const { queueName, jobs: offered, refused } = parsed.value;
    const refusedLines = refused.map((refusal) => lineOf({ jobId: refusal.jobId, ...refusedOutcome(refusal) })).join('');
    if (offered.length === 0) return ndjson(refusedLines);
    const signer = await featureSigner(c.env, queueName);
    const policy = endpointPolicy(c.env, c.req.url);
    const budget = isolateBudget(c.env);
    // The first `admitted` jobs run; the rest are answered at once, uncharged.
    const admitted = budget.admit(queueName, offered.length);
    const overBudget = budgetThrottled(budget, queueName);
    const answeredNow = refusedLines + offered.slice(admitted).map((job) => lineOf({ jobId: job.jobId, ...overBudget })).join('');
    if (admitted === 0) return ndjson(answeredNow);
    const jobs = offered.slice(0, admitted);
    const coordinator = c.env.QUEUE_COORDINATOR.getByName(queueName);
    const attempts = jobs.map(({ jobId, attemptsMade }) => ({ jobId, attemptsMade }));
    const cancels = cancelSwitches(jobs.map((job) => job.jobId));
    const first = await coordinator.acquireMany(attempts, c.get('signature'), cancels.onCancel).catch((error: unknown) => {
      budget.leave(queueName, admitted);
      throw error;
    });
    if (first.status === 'replayed') {
      budget.leave(queueName, admitted);
      throw new ReplayedError();
    }
    const releases = new ReleaseBatcher((batch) => coordinator.releaseMany(batch, budget.takeRefused(queueName)));
    const slotFor = (job: DispatchRequest, index: number): Promise<SlotAnswer> | SlotAnswer => {
      if (first.status !== 'granted') return first;
      return first.grants[index] ?? coordinator.acquire({ jobId: job.jobId, attemptsMade: job.attemptsMade, maxWaitMs: DISPATCH_MAX_WAIT_MS, onCancel: cancels.onCancel });
    };

    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    const work = Promise.all([
      answeredNow ? writer.write(encoder.encode(answeredNow)) : undefined,
      ...jobs.map(async (job, index) => {
        let outcome: DispatchOutcome | undefined;
        try {
          outcome = await runJob(job, await slotFor(job, index), signer, releases.release, policy, cancels.signal(job.jobId));
          await writer.write(encoder.encode(lineOf({ jobId: job.jobId, ...outcome })));
        } finally {
          // Each job gives its part of the budget back as it ends, not when the batch's slowest does.
          budget.leave(queueName, 1, featureDuration(outcome));
        }
      }),
    ]).finally(() => writer.close());
    c.executionCtx.waitUntil(work.catch((error: unknown) => console.error('batch dispatch failed', { queue: queueName, error: String(error) })));
    return ndjson(readable);
  })
  // An operator's cancel, relayed by the bridge: the queue's coordinator tells the isolate running the
  // job's call to abort it (contract addition). One coordinator call per cancel, none per job.
  .post('/dispatch/cancel', bridgeAuth(MAX_CONTROL_BODY_BYTES), async (c) => {
    const parsed = parseCancelRequest(parseJsonBody(c, c.get('rawBody')));
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    const aborted = await c.env.QUEUE_COORDINATOR.getByName(parsed.value.queueName).cancel(parsed.value.jobId);
    return c.json({ aborted });
  })
  // An operator's pause or resume from the bridge's console (contract addition): the same merge as the
  // admin PATCH, limited to `paused`, because the bridge holds no admin token. Never a BullMQ-only pause.
  .post('/registrations/:name/paused', bridgeAuth(MAX_CONTROL_BODY_BYTES), async (c) => {
    const name = c.req.param('name');
    if (!isValidQueueName(name)) throw new ValidationError([queueNameError()]);
    const parsed = parsePausedRequest(parseJsonBody(c, c.get('rawBody')));
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    const result = await c.env.QUEUE_COORDINATOR.getByName(name).writeRegistration({ name, input: parsed.value, mode: 'merge', defaults: registrationDefaults(c.env) });
    // No If-Match is sent, so 412 cannot be answered.
    if (result.status === 200 || result.status === 201) return c.json(result.registration);
    if (result.status === 400) throw new ValidationError(result.errors);
    if (result.status === 503) throw new StoreUnavailableError();
    throw new NotFoundError(`queue '${name}' is not registered`);
  })
  .post('/heartbeat', bridgeAuth(MAX_CONTROL_BODY_BYTES), async (c) => {
    const parsed = parseHeartbeat(parseJsonBody(c, c.get('rawBody')));
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    await c.env.BRIDGE_MONITOR.getByName('default').heartbeat(parsed.value);
    return c.body(null, 204);
  });
