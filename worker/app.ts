// The edge's HTTP surface (ARCHITECTURE.md, "Edge routes"), with one error handler that turns
// every failure into `{ error: { code, message, details? } }`.

import { Hono } from 'hono';
import type { ErrorBody } from '../src/protocol.ts';
import type { AppEnv } from './env.ts';
import { ApiError } from './errors.ts';
import { adminRoutes } from './routes/admin.ts';
import { bridgeRoutes } from './routes/bridge.ts';
import { healthRoutes } from './routes/health.ts';
import { queuesRoutes } from './routes/queues.ts';
import { statusRoutes } from './routes/status.ts';

export const app = new Hono<AppEnv>()
  .route('/health', healthRoutes)
  .route('/admin', adminRoutes)
  .route('/internal/status', statusRoutes)
  .route('/internal', bridgeRoutes)
  .route('/queues', queuesRoutes);

app.notFound((c) => c.json<ErrorBody>({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

app.onError((error, c) => {
  if (error instanceof ApiError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } };
    return c.json(body, error.status, error.headers);
  }
  console.error('unhandled error', { method: c.req.method, path: c.req.path, error: error instanceof Error ? error.stack : String(error) });
  return c.json<ErrorBody>({ error: { code: 'internal_error', message: 'the edge failed to handle this request' } }, 500);
});
