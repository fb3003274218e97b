// GET /internal/status (admin): every queue's registration and figures, and the bridges seen.

import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { adminAuth } from '../middleware/admin-auth.js';
import { listRegistrations } from '../registry.js';

export const statusRoutes = new Hono<AppEnv>().get('/', adminAuth, async (c) => {
  const registrations = await listRegistrations(c.env.REGISTRATIONS);
  const [queues, bridges] = await Promise.all([
    Promise.all(
      registrations.map(async (registration) => {
        const { registration: current, ...figures } = await c.env.QUEUE_COORDINATOR.getByName(registration.name).stats();
        return { name: registration.name, registration: current ?? registration, ...figures };
      }),
    ),
    c.env.BRIDGE_MONITOR.getByName('default').summary(),
  ]);
  c.header('Cache-Control', 'no-store');
  return c.json({ queues, bridges });
});
