// The edge's HTTP surface (ARCHITECTURE.md, "Edge routes"), with one error handler that turns
// every failure into `{ error: { code, message, details? } }`, and its OpenAPI document
// (/openapi.json, /docs).

import { Hono } from 'hono';
import { serveDocs } from '../src/openapi/serve-docs.ts';
import type { AppEnv } from './env.ts';
import { ApiError, InternalError, NotFoundError } from './errors.ts';
import { adminRoutes } from './routes/admin.ts';
import { bridgeRoutes } from './routes/bridge.ts';
import { callbackRoutes } from './routes/callbacks.ts';
import { healthRoutes } from './routes/health.ts';
import { queuesRoutes } from './routes/queues.ts';
import { statusRoutes } from './routes/status.ts';
import { describeEdge, EDGE_DOCUMENT } from './openapi/document.ts';
import { usageRoutes } from './routes/usage.ts';
import { countRequests } from './metering/worker-requests.ts';

export const app = new Hono<AppEnv>()
  .use(countRequests)
  .route('/health', healthRoutes)
  .route('/admin', adminRoutes)
  .route('/internal/status', statusRoutes)
  .route('/internal/usage', usageRoutes)
  .route('/internal', bridgeRoutes)
  .route('/queues', queuesRoutes)
  .route('/callbacks', callbackRoutes);
serveDocs(app, () => ({ about: EDGE_DOCUMENT, describe: describeEdge }));

app.notFound((c) => {
  const error = new NotFoundError(`no route for ${c.req.method} ${c.req.path}`);
  return c.json(error.toBody(), error.status);
});

app.onError((thrown, c) => {
  if (!(thrown instanceof ApiError)) {
    console.error('unhandled error', { method: c.req.method, path: c.req.path, error: thrown instanceof Error ? thrown.stack : String(thrown) });
  }
  const error = thrown instanceof ApiError ? thrown : new InternalError(thrown);
  return c.json(error.toBody(), error.status, error.headers);
});
