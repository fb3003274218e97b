// The edge routes outside the admin and producer APIs, for the OpenAPI document: /health, the
// status, and the bridge's signed routes. Their bodies are checked where they are served
// (worker/dispatch/parse-request.ts); these schemas describe them for readers of the document.

import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import { anyOf, errorAnswers, jsonAnswer, jsonBody } from '../../src/openapi/responses.ts';
import { MAX_BATCH_JOBS } from '../../src/protocol.ts';
import { JobCallbackSchema } from '../../src/schema/callback.ts';
import { RegistrationListSchema, RegistrationSchema } from '../../src/schema/registration.ts';
import { queueName } from '../../src/schema/rules.ts';

const bridge = { tags: ['bridge (signed)'], security: anyOf('bridgeSignature') };

const CheckSchema = z.object({ status: z.enum(['ok', 'down']), latencyMs: z.number(), error: z.string().optional() });
const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    tier: z.literal('edge'),
    checks: z.object({ kv: CheckSchema, coordinator: CheckSchema }),
    bridge: z.object({ lastSeenAt: z.string().nullable(), stale: z.boolean() }),
  })
  .meta({ id: 'EdgeHealth' });

const StatusSchema = z
  .object({
    queues: z.array(z.object({ name: z.string() }).loose().meta({ description: 'Registration, in flight / limit, rate (`{max, perMs, started}` or null), totals, latency, last error, budget, Redis depth.' })),
    bridges: z.unknown(),
    depthError: z.string().optional(),
  })
  .meta({ id: 'EdgeStatus' });

const job = { jobId: z.string(), data: z.unknown(), attemptsMade: z.int().min(0), name: z.string().optional() };
const DispatchSchema = z.object({ ...job, queueName, requestId: z.string().optional() }).meta({ id: 'DispatchRequest' });
const OutcomeSchema = z
  .union([
    z.object({ outcome: z.literal('completed'), result: z.unknown(), durationMs: z.number() }),
    z.object({ outcome: z.literal('failed'), retryable: z.boolean(), error: z.object({ message: z.string(), status: z.int().optional() }), durationMs: z.number() }),
    z.object({ outcome: z.literal('throttled'), retryAfterMs: z.number(), reason: z.enum(['busy', 'paused', 'feature', 'in_flight', 'budget', 'rate']).optional() }),
    z.object({ outcome: z.literal('deferred'), deadlineMs: z.number().meta({ description: 'Epoch ms.' }), retryAfterMs: z.number() }).meta({
      description: 'An async queue: the feature took the job (202); ask again after retryAfterMs, no feature call is made again.',
    }),
  ])
  .meta({ id: 'DispatchOutcome' });
const BatchSchema = z
  .object({ queueName, jobs: z.array(z.object(job)).min(1).max(MAX_BATCH_JOBS), requestId: z.string().optional() })
  .meta({ id: 'DispatchBatchRequest' });
const HeartbeatSchema = z
  .object({
    bridgeId: z.string(),
    startedAt: z.string(),
    workers: z.array(z.object({ queue: queueName, running: z.boolean(), concurrency: z.int(), counts: z.record(z.string(), z.int()).optional() })),
  })
  .meta({ id: 'Heartbeat' });

const UsageSchema = z
  .object({
    workerRequests: z.int(),
    doRequests: z.int(),
    alarms: z.int(),
    rowsRead: z.int(),
    rowsWritten: z.int(),
    kvReads: z.int(),
    kvWrites: z.int(),
    kvDeletes: z.int(),
    kvLists: z.int(),
    activeMs: z.number(),
  })
  .meta({ id: 'Usage', description: 'Billable units one object (or the Worker) counted since it started.' });
const UsageAnswerSchema = z
  .object({ worker: z.object({ requests: z.int() }), registryIndex: UsageSchema, bridgeMonitor: UsageSchema, coordinators: z.record(z.string(), UsageSchema) })
  .meta({ id: 'EdgeUsage' });

/** The edge's routes outside /admin and /queues, for the OpenAPI document (full paths). */
export const INTERNAL_ROUTES: RouteConfig[] = [
  { method: 'get', path: '/health', tags: ['health'], summary: 'KV, the coordinators, and when a bridge last reported', responses: { 200: jsonAnswer(HealthSchema, 'Healthy.'), 503: jsonAnswer(HealthSchema, 'Degraded.') } },
  {
    method: 'get',
    path: '/internal/status',
    tags: ['admin'],
    security: anyOf('admin', 'bridgeSignature'),
    summary: "Every queue's registration, figures and Redis depth; the bridges seen",
    responses: { 200: jsonAnswer(StatusSchema, 'The status.'), ...errorAnswers(401, 503) },
  },
  {
    method: 'get',
    path: '/internal/usage',
    tags: ['admin'],
    security: anyOf('admin', 'bridgeSignature'),
    summary: 'The billable units the edge counted (Worker requests, Durable Object calls and alarms, SQLite rows, KV operations, awake time), for the bench to price',
    request: { query: z.object({ queues: z.string().optional().meta({ description: 'Up to 100 queue names, comma-separated, whose coordinators to ask.' }) }) },
    responses: { 200: jsonAnswer(UsageAnswerSchema, 'The counts.'), ...errorAnswers(401, 503) },
  },
  {
    method: 'get',
    path: '/internal/registrations',
    ...bridge,
    summary: 'What the bridge should run, with an ETag for cheap polling',
    responses: { 200: jsonAnswer(RegistrationListSchema, 'The registrations.'), 304: { description: 'Unchanged since If-None-Match.' }, ...errorAnswers(401, 503) },
  },
  {
    method: 'post',
    path: '/internal/dispatch',
    ...bridge,
    summary: 'Run one job',
    request: { body: jsonBody(DispatchSchema) },
    responses: { 200: jsonAnswer(OutcomeSchema, 'The outcome.'), ...errorAnswers(401, 413, 415, 503) },
  },
  {
    method: 'post',
    path: '/internal/dispatch/batch',
    ...bridge,
    summary: 'Run several jobs of one queue; one NDJSON line `{jobId, …outcome}` per job as it finishes',
    request: { body: jsonBody(BatchSchema) },
    responses: { 200: { description: 'application/x-ndjson lines', content: { 'application/x-ndjson': { schema: OutcomeSchema } } }, ...errorAnswers(401, 413, 415, 503) },
  },
  {
    method: 'post',
    path: '/internal/dispatch/cancel',
    ...bridge,
    summary: 'Abort the feature call of an active job',
    request: { body: jsonBody(z.object({ queueName, jobId: z.string() })) },
    responses: { 200: jsonAnswer(z.object({ aborted: z.boolean() }), 'Whether a call was aborted.'), ...errorAnswers(401, 503) },
  },
  {
    method: 'post',
    path: '/internal/registrations/{name}/paused',
    ...bridge,
    summary: "Pause or resume a queue through its registration (the operator console's button)",
    request: { params: z.object({ name: queueName }), body: jsonBody(z.strictObject({ paused: z.boolean() })) },
    responses: { 200: jsonAnswer(RegistrationSchema, 'The registration.'), ...errorAnswers(401, 404, 503) },
  },
  {
    method: 'post',
    path: '/internal/heartbeat',
    ...bridge,
    summary: 'Bridge id, workers and counts, for the edge status and health',
    request: { body: jsonBody(HeartbeatSchema) },
    responses: { 204: { description: 'Recorded.' }, ...errorAnswers(401, 503) },
  },
  {
    method: 'post',
    path: '/callbacks/{queue}/{jobId}',
    tags: ['feature (signed)'],
    security: anyOf('featureSignature'),
    summary: "An async queue's feature reports an attempt it answered 202 to; the first report before timeoutMs counts",
    description:
      'Signed with the queue\'s feature key: `X-Queue-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` as a feature call is signed, or of "<t>.POST.<path>.<raw body>" (what the SDK\'s completeJob signs: bound to this queue and job). 409 for another attempt, a second report, or one past the deadline.',
    request: { params: z.object({ queue: queueName, jobId: z.string() }), body: jsonBody(JobCallbackSchema) },
    responses: { 200: jsonAnswer(z.object({ jobId: z.string(), outcome: z.enum(['completed', 'failed']) }), 'Counted.'), ...errorAnswers(401, 409, 413, 415, 503) },
  },
];
