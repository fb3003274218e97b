// GET /internal/usage?queues=a,b (admin, or signed by the bridge; contract addition): the billable
// units the edge has counted (metering/), for the bench to price. Reading them costs one call per
// object asked, and those calls are not counted.

import { Hono } from 'hono';
import { isValidQueueName, queueNameError } from '../../src/registration.ts';
import type { AppEnv } from '../env.ts';
import { ValidationError } from '../errors.ts';
import { workerRequests } from '../metering/worker-requests.ts';
import { adminOrBridge } from '../middleware/admin-or-bridge.ts';
import { registryIndex } from '../registry.ts';

/** Coordinators asked per read, at most. */
const MAX_QUEUES = 100;

export const usageRoutes = new Hono<AppEnv>().get('/', adminOrBridge, async (c) => {
  const queues = (c.req.query('queues') ?? '').split(',').filter(Boolean);
  if (queues.length > MAX_QUEUES || !queues.every(isValidQueueName)) {
    throw new ValidationError([{ ...queueNameError('queues'), message: `must be up to ${MAX_QUEUES} queue names, comma-separated` }]);
  }
  const [index, monitor, coordinators] = await Promise.all([
    registryIndex(c.env).usage(),
    c.env.BRIDGE_MONITOR.getByName('default').usage(),
    Promise.all(queues.map(async (name) => [name, await c.env.QUEUE_COORDINATOR.getByName(name).usage()] as const)),
  ]);
  c.header('Cache-Control', 'no-store');
  return c.json({ worker: { requests: workerRequests() }, registryIndex: index, bridgeMonitor: monitor, coordinators: Object.fromEntries(coordinators) });
});
