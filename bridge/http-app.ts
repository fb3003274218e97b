// The bridge's HTTP surface on PORT: health for orchestrators, worker status and metrics for operators.

import { Hono } from 'hono';
import { serveDocs } from '../src/openapi/serve-docs.ts';
import type { BridgeWorkerStatus, ErrorBody } from '../src/protocol.ts';
import type { OpsTokens } from './config.ts';
import type { HealthReport } from './health.ts';
import type { ConsoleRoutes } from './console/routes.ts';
import type { Logger } from './logger.ts';
import { requireOps } from './ops/auth.ts';
import { HttpError } from './ops/errors.ts';

export interface StatusReport {
  workers: BridgeWorkerStatus[];
}

export interface MetricsExposition {
  contentType: string;
  text: string;
}

export interface HttpAppSource {
  health(): Promise<HealthReport>;
  status(): Promise<StatusReport>;
  metrics(): Promise<MetricsExposition>;
}

/**
 * `ops`: the operations routes, mounted under /ops; `operatorConsole`: the console, under /ui.
 * /openapi.json and /docs describe them all.
 */
export const createHttpApp = (source: HttpAppSource, logger: Logger, opsTokens: OpsTokens, ops: Hono, operatorConsole: ConsoleRoutes): Hono => {
  const app = new Hono()
    .get('/health', async (c) => {
      const report = await source.health();
      return c.json(report, report.status === 'down' ? 503 : 200);
    })
    .get('/internal/status', async (c) => c.json(await source.status()))
    .get('/metrics', requireOps(opsTokens, 'read'), async (c) => {
      const { contentType, text } = await source.metrics();
      return c.body(text, 200, { 'Content-Type': contentType });
    });
  app.route('/ops', ops);
  app.route('/ui', operatorConsole);
  serveDocs(app, () => import('./openapi.ts').then(({ BRIDGE_DOCUMENT, describeBridge }) => ({ about: BRIDGE_DOCUMENT, describe: describeBridge })));
  app.notFound((c) => c.json<ErrorBody>({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => {
    if (error instanceof HttpError) {
      const body: ErrorBody = { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } };
      return c.json(body, error.status, error.headers);
    }
    logger.error('http handler failed', { path: c.req.path, error });
    return c.json<ErrorBody>({ error: { code: 'internal_error', message: 'the bridge failed to handle this request' } }, 500);
  });
  return app;
};
