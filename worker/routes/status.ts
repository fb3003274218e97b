// GET /internal/status (admin, or signed by the bridge for its ops routes): every queue's
// registration, figures and Redis depth, and the bridges seen.

import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { budgetStatus } from '../dispatch/budget-status.ts';
import { isolateBudgetSize } from '../dispatch/isolate-load.ts';
import { queueDepthsFor } from '../enqueue/depth.ts';
import { createMiddleware } from 'hono/factory';
import { HEADER_SIGNATURE } from '../../src/protocol.ts';
import { adminAuth } from '../middleware/admin-auth.ts';
import { bridgeAuth } from '../middleware/bridge-auth.ts';
import { listRegistrations } from '../registry.ts';

// Admin auth reads only bindings; AppEnv's extra per-request variables are no concern of it.
const admin = adminAuth as unknown as MiddlewareHandler<AppEnv>;

/** The bridge holds no admin token; its signature reads the same figures (contract addition). */
const adminOrBridge = createMiddleware<AppEnv>(async (c, next) =>
  c.req.header('Authorization') === undefined && c.req.header(HEADER_SIGNATURE) !== undefined ? bridgeAuth(0)(c, next) : admin(c, next),
);

export const statusRoutes = new Hono<AppEnv>().get('/', adminOrBridge, async (c) => {
  const registrations = await listRegistrations(c.env.REGISTRATIONS);
  const perIsolate = isolateBudgetSize(c.env);
  const [queues, bridges, depth] = await Promise.all([
    Promise.all(
      registrations.map(async (registration) => {
        const { registration: current, ...figures } = await c.env.QUEUE_COORDINATOR.getByName(registration.name).stats();
        return { name: registration.name, registration: current ?? registration, ...figures, budget: budgetStatus(figures, perIsolate) };
      }),
    ),
    c.env.BRIDGE_MONITOR.getByName('default').summary(),
    queueDepthsFor(c.env, registrations.map((r) => r.name)),
  ]);
  c.header('Cache-Control', 'no-store');
  // Backlog comes from Redis itself, so it shows even when no bridge is alive.
  const withDepth = queues.map((queue) => ({ ...queue, depth: 'depths' in depth ? (depth.depths[queue.name] ?? null) : null }));
  return c.json({ queues: withDepth, bridges, ...('error' in depth ? { depthError: depth.error } : {}) });
});
