// Routes the bridge calls, each signed with BRIDGE_SECRET: what to run, run one job or a batch, heartbeat.

import { Hono } from 'hono';
import {
  MAX_BATCH_BODY_BYTES,
  MAX_CONTROL_BODY_BYTES,
  MAX_JOB_BODY_BYTES,
  type DispatchBatchLine,
  type DispatchOutcome,
  type RegistrationsResponse,
} from '../../src/protocol.ts';
import { registrationDefaults } from '../config.ts';
import { parseCancelRequest, parseDispatchBatch, parseDispatchRequest, parseHeartbeat, parsePausedRequest } from '../dispatch/parse-request.ts';
import { startBatch } from '../dispatch/run-batch.ts';
import type { AppEnv } from '../env.ts';
import { NotFoundError, StoreUnavailableError, ValidationError } from '../errors.ts';
import { parseJsonBody } from '../http/read-body.ts';
import { bridgeAuth } from '../middleware/bridge-auth.ts';
import { refuseReplays } from '../middleware/refuse-replays.ts';
import { registryIndex } from '../registry.ts';
import { isValidQueueName, queueNameError } from '../../src/registration.ts';

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
  // A batch of one, answered with its one outcome as JSON.
  .post('/dispatch', bridgeAuth(MAX_JOB_BODY_BYTES), refuseReplays, async (c) => {
    const parsed = parseDispatchRequest(parseJsonBody(c, c.get('rawBody')));
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    const { answered, running } = await startBatch(c.env, c.req.url, c.get('signature'), parsed.value);
    const { jobId: _jobId, ...outcome } = answered[0] ?? (await running[0]);
    return c.json<DispatchOutcome>(outcome);
  })
  .post('/dispatch/batch', bridgeAuth(MAX_BATCH_BODY_BYTES), refuseReplays, async (c) => {
    const rawBody = c.get('rawBody');
    const parsed = parseDispatchBatch(parseJsonBody(c, rawBody), rawBody.length);
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    const { answered, running } = await startBatch(c.env, c.req.url, c.get('signature'), parsed.value);
    const answeredNow = answered.map(lineOf).join('');
    if (running.length === 0) return ndjson(answeredNow);

    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    const work = Promise.all([
      answeredNow ? writer.write(encoder.encode(answeredNow)) : undefined,
      ...running.map(async (line) => writer.write(encoder.encode(lineOf(await line)))),
    ]).finally(() => writer.close());
    c.executionCtx.waitUntil(work.catch((error: unknown) => console.error('batch dispatch failed', { queue: parsed.value.queueName, error: String(error) })));
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
