// Routes the bridge calls, each signed with BRIDGE_SECRET: what to run, run one job, heartbeat.

import { Hono } from 'hono';
import { MAX_CONTROL_BODY_BYTES, MAX_JOB_BODY_BYTES, type DispatchOutcome, type RegistrationsResponse } from '../../src/protocol.js';
import { featureSigner } from '../config.js';
import type { ReleaseKind } from '../coordinator/types.js';
import { callFeature } from '../dispatch/feature-call.js';
import { parseDispatchRequest, parseHeartbeat } from '../dispatch/parse-request.js';
import type { AppEnv } from '../env.js';
import { ValidationError } from '../errors.js';
import { parseJsonBody } from '../http/read-body.js';
import { bridgeAuth } from '../middleware/bridge-auth.js';
import { listRegistrations, registrationsEtag } from '../registry.js';

/** How long a dispatch may wait in its queue's line for a slot before answering `throttled`. */
export const DISPATCH_MAX_WAIT_MS = 2_000;

const releaseKind = (outcome: DispatchOutcome): ReleaseKind => {
  if (outcome.outcome === 'failed') return outcome.retryable ? 'failed_retryable' : 'failed_final';
  return outcome.outcome;
};

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
  .post('/dispatch', bridgeAuth(MAX_JOB_BODY_BYTES), async (c) => {
    const parsed = parseDispatchRequest(parseJsonBody(c, c.get('rawBody')));
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    const job = parsed.value;
    const signer = featureSigner(c.env);
    const coordinator = c.env.QUEUE_COORDINATOR.getByName(job.queueName);
    const slot = await coordinator.acquire({ jobId: job.jobId, maxWaitMs: DISPATCH_MAX_WAIT_MS });
    if (slot.status === 'unknown') {
      return c.json<DispatchOutcome>({
        outcome: 'failed',
        retryable: false,
        error: { message: `queue '${job.queueName}' is not registered at the edge` },
        durationMs: 0,
      });
    }
    if (slot.status === 'throttled') return c.json<DispatchOutcome>({ outcome: 'throttled', retryAfterMs: slot.retryAfterMs, reason: slot.reason });

    let outcome: DispatchOutcome = {
      outcome: 'failed',
      retryable: true,
      error: { message: 'the edge failed while calling the feature API' },
      durationMs: 0,
    };
    try {
      outcome = await callFeature(job, slot, signer);
    } finally {
      // The slot goes back on every path; if even that fails, the lease expires by itself.
      await coordinator
        .release(slot.leaseId, {
          kind: releaseKind(outcome),
          durationMs: outcome.outcome === 'throttled' ? 0 : outcome.durationMs,
          jobId: job.jobId,
          ...(outcome.outcome === 'failed' ? { error: outcome.error } : {}),
        })
        .catch((error: unknown) => console.error('releasing slot failed; its lease will expire', { queue: job.queueName, error: String(error) }));
    }
    return c.json(outcome);
  })
  .post('/heartbeat', bridgeAuth(MAX_CONTROL_BODY_BYTES), async (c) => {
    const parsed = parseHeartbeat(parseJsonBody(c, c.get('rawBody')));
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    await c.env.BRIDGE_MONITOR.getByName('default').heartbeat(parsed.value);
    return c.body(null, 204);
  });
