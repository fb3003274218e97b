// What the bridge's OpenAPI document says beyond the ops routes (bridge/ops/routes.ts): who it is,
// the two ops tokens, /health, /internal/status, /metrics and the operator console's pages.

import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { bearer, describeRoutes, type DocumentAbout } from '../src/openapi/serve-docs.ts';
import * as z from 'zod';
import { anyOf, errorAnswers, jsonAnswer } from '../src/openapi/responses.ts';
import { queueName } from '../src/schema/rules.ts';
import { SESSION_COOKIE } from './console/routes.ts';
import { OPS_ROUTES } from './ops/routes.ts';

export const BRIDGE_DOCUMENT: DocumentAbout = {
  title: 'Queue Worker bridge',
  description: 'Health, worker status, metrics and the operations API (jobs by state, retry, cancel, redrive, purge) of the Node bridge.',
  securitySchemes: {
    opsRead: bearer('OPS_READ_TOKEN: reads.'),
    ops: bearer('OPS_TOKEN: reads and acts.'),
    consoleSession: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'A console session, opened at /ui/login with either ops token.' },
  },
};

const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    uptime: z.number(),
    bridgeId: z.string(),
    dependencies: z.array(z.object({ name: z.enum(['redis', 'edge']), status: z.string(), latencyMs: z.number().optional(), lastSeenAt: z.string().optional(), error: z.string().optional() })),
  })
  .meta({ id: 'BridgeHealth' });

const counts = z.object({ waiting: z.int(), active: z.int(), delayed: z.int(), failed: z.int(), completed: z.int() });
const StatusSchema = z
  .object({ workers: z.array(z.object({ queue: z.string(), running: z.boolean(), concurrency: z.int(), counts: counts.optional() })) })
  .meta({ id: 'BridgeStatus' });

const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const redirect = (description: string) => ({ description: `303 redirect: ${description}` });
const ui = { tags: ['console'], security: anyOf('consoleSession') };
const action = z.object({ name: queueName, action: z.enum(['pause', 'resume']) });

const ROUTES: RouteConfig[] = [
  { method: 'get', path: '/health', tags: ['health'], summary: 'Redis and the edge', responses: { 200: jsonAnswer(HealthSchema, 'Up (or degraded).'), 503: jsonAnswer(HealthSchema, 'Redis is down.') } },
  { method: 'get', path: '/internal/status', tags: ['health'], summary: "Each worker: running, concurrency, counts (the seed's shape)", responses: { 200: jsonAnswer(StatusSchema, 'The workers.') } },
  {
    method: 'get',
    path: '/metrics',
    tags: ['ops'],
    security: anyOf('opsRead', 'ops'),
    summary: 'Prometheus text format',
    responses: { 200: { description: 'The metrics.', content: { 'text/plain': { schema: z.string() } } }, ...errorAnswers(401, 503) },
  },
  { method: 'get', path: '/ui/login', tags: ['console'], summary: 'The console login form', responses: { 200: html('The form.'), 503: jsonAnswer(z.object({}), 'No ops token set.') } },
  {
    method: 'post',
    path: '/ui/login',
    tags: ['console'],
    summary: 'Open a console session with an ops token (form field `token`)',
    request: { body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ token: z.string() }) } } } },
    responses: { 303: redirect('to the queues page, with the session cookie.'), 401: html('Not an ops token.') },
  },
  { method: 'get', path: '/ui/logout', tags: ['console'], summary: 'End the session', responses: { 303: redirect('to the login form.') } },
  { method: 'post', path: '/ui/logout', tags: ['console'], summary: 'End the session', responses: { 303: redirect('to the login form.') } },
  { method: 'get', path: '/ui/queues', ...ui, summary: 'The queues page', responses: { 200: html('The page.'), 303: redirect('to login without a session.') } },
  {
    method: 'post',
    path: '/ui/queues/{name}/{action}',
    ...ui,
    summary: 'Pause or resume a queue through its registration at the edge (act session)',
    request: { params: action },
    responses: { 303: redirect('back to the queues page.'), ...errorAnswers(403, 404) },
  },
  { method: 'put', path: '/ui/api/queues/{name}/{action}', ...ui, summary: "bull-board's pause/resume of one queue, through the edge", request: { params: action }, responses: { 200: jsonAnswer(z.object({}), 'Done.'), ...errorAnswers(401, 403, 404) } },
  {
    method: 'put',
    path: '/ui/api/queues/{action}',
    ...ui,
    summary: "bull-board's pause/resume of every queue, through the edge",
    request: { params: z.object({ action: z.enum(['pause', 'resume']) }) },
    responses: { 200: jsonAnswer(z.object({}), 'Done.'), ...errorAnswers(401, 403) },
  },
  {
    method: 'put',
    path: '/ui/api/queues/{name}/{setting}',
    ...ui,
    summary: 'Refused: concurrency and rate limits belong to the registration at the edge',
    request: { params: z.object({ name: queueName, setting: z.enum(['concurrency', 'rate-limit']) }) },
    responses: errorAnswers(409),
  },
  {
    method: 'get',
    path: '/ui/{path}',
    ...ui,
    summary: "bull-board's pages and API (any sub-path; acting methods need an act session)",
    request: { params: z.object({ path: z.string() }) },
    responses: { 200: html('A bull-board page or answer.'), 303: redirect('to login without a session.') },
  },
];

/** Every route http-app.ts mounts. */
export const describeBridge = (registry: OpenAPIRegistry): void => {
  describeRoutes(registry, '/ops', OPS_ROUTES);
  describeRoutes(registry, '', ROUTES);
};
