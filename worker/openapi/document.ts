// What the edge's OpenAPI document says beyond its routes: who it is, how each caller
// authenticates, and the feature call, the one contract the edge calls rather than serves (a
// webhook in OpenAPI 3.1's terms: feature teams implement it).

import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { jsonAnswer, jsonBody } from '../../src/openapi/responses.ts';
import { DEFAULT_FEATURE_PATH, HEADER_SIGNATURE } from '../../src/protocol.ts';
import { FeatureCallHeadersSchema, FeatureJobRequestSchema, FeatureJobResponseSchema } from '../../src/schema/feature-call.ts';
import { bearer, describeRoutes, type DocumentAbout } from '../../src/openapi/serve-docs.ts';
import { ADMIN_ROUTES } from '../routes/admin.ts';
import { QUEUE_ROUTES } from '../routes/queues.ts';
import { INTERNAL_ROUTES } from './internal-routes.ts';

export const EDGE_DOCUMENT: DocumentAbout = {
  title: 'Queue Worker edge',
  description: 'Admin (registrations), producer (enqueue) and the bridge’s signed routes of the Cloudflare Worker.',
  securitySchemes: {
    admin: bearer('ADMIN_TOKEN.'),
    producer: bearer('PRODUCER_TOKEN.'),
    bridgeSignature: {
      type: 'apiKey',
      in: 'header',
      name: HEADER_SIGNATURE,
      description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<METHOD>.<path>.<raw body>">` with BRIDGE_SECRET; 5-minute window.',
    },
    featureSignature: {
      type: 'apiKey',
      in: 'header',
      name: HEADER_SIGNATURE,
      description: 'As bridgeSignature, keyed with the queue\'s feature key (the key its feature calls are signed with).',
    },
  },
};

const featureCall: RouteConfig = {
  method: 'post',
  path: DEFAULT_FEATURE_PATH,
  tags: ['feature call'],
  summary: 'The call a feature API receives for each attempt of a job: POST {endpoint}{path} (the registration’s)',
  description:
    '2xx `{success:true}` completes the job; `{success:false}` fails it (retried unless `retryable:false`); 429, or 503 with Retry-After, throttles it without charging an attempt; 408, 5xx, timeouts retry; other 4xx fail it for good.',
  request: { headers: FeatureCallHeadersSchema, body: jsonBody(FeatureJobRequestSchema) },
  responses: {
    200: jsonAnswer(FeatureJobResponseSchema, 'The job’s outcome.'),
    429: { description: 'Slow down: the job goes back without an attempt charged.' },
  },
};

/** Every route app.ts mounts, and the feature call. */
export const describeEdge = (registry: OpenAPIRegistry): void => {
  describeRoutes(registry, '/admin', ADMIN_ROUTES);
  describeRoutes(registry, '/queues', QUEUE_ROUTES);
  describeRoutes(registry, '', INTERNAL_ROUTES);
  registry.registerWebhook(featureCall);
};
