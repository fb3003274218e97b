// GET /health (public): KV and the coordinators answer, and when a bridge last reported.

import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

/** A coordinator no queue can be named like (names start with [a-z0-9]), used only to probe. */
const PROBE_COORDINATOR = '~health';
const PROBE_KEY = 'health:probe';

interface CheckResult {
  status: 'ok' | 'down';
  latencyMs: number;
  error?: string;
}

const check = async (probe: () => Promise<unknown>): Promise<CheckResult> => {
  const started = Date.now();
  try {
    await probe();
    return { status: 'ok', latencyMs: Date.now() - started };
  } catch (error) {
    return { status: 'down', latencyMs: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
  }
};

export const healthRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const [kv, coordinator, bridge] = await Promise.all([
    check(() => c.env.REGISTRATIONS.get(PROBE_KEY)),
    check(() => c.env.QUEUE_COORDINATOR.getByName(PROBE_COORDINATOR).ping()),
    c.env.BRIDGE_MONITOR.getByName('default')
      .summary()
      .then((s) => ({ lastSeenAt: s.lastSeenAt, stale: s.stale }))
      .catch(() => ({ lastSeenAt: null, stale: true })),
  ]);
  const healthy = kv.status === 'ok' && coordinator.status === 'ok';
  c.header('Cache-Control', 'no-store');
  return c.json({ status: healthy ? 'ok' : 'degraded', tier: 'edge', checks: { kv, coordinator }, bridge }, healthy ? 200 : 503);
});
