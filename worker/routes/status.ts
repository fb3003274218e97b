// GET /internal/status (admin, or signed by the bridge for its ops routes): every queue's
// registration, figures and Redis depth, and the bridges seen.

import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { budgetStatus } from '../dispatch/budget-status.ts';
import { isolateBudgetSize } from '../dispatch/isolate-load.ts';
import { queueDepthsFor } from '../enqueue/depth.ts';
import { adminOrBridge } from '../middleware/admin-or-bridge.ts';
import { listRegistrations } from '../registry.ts';

// The bridge holds no admin token; its signature reads the same figures (contract addition).
export const statusRoutes = new Hono<AppEnv>().get('/', adminOrBridge, async (c) => {
  const registrations = await listRegistrations(c.env);
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
