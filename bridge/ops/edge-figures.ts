// The edge's figures per queue (in flight / limit, latency, totals, last error, paused as the edge's
// registration says) and the bridges it has seen, read on demand from the edge's `/internal/status`
// with a bridge signature: no admin token on the bridge, and no cost per job or heartbeat. When the
// edge does not answer, the caller shows Redis's counts alone.

import { isPlainObject } from '../../src/json.ts';
import type { EdgeClient } from '../edge-client.ts';

const EDGE_STATUS_TIMEOUT_MS = 3_000;
const FIGURE_FIELDS = ['inFlight', 'limit', 'waiting', 'totals', 'latencyMs', 'lastError'] as const;

export type EdgeQueueFigures = Partial<Record<(typeof FIGURE_FIELDS)[number], unknown>> & { paused?: boolean };

/** A bridge replica as the edge last heard from it. */
export interface EdgeBridge {
  bridgeId: string;
  lastSeenAt: string;
  stale: boolean;
}

export type EdgeFigures = { available: true; queues: Map<string, EdgeQueueFigures>; bridges: EdgeBridge[] } | { available: false; error: string };

const figuresOf = (queue: Record<string, unknown>): EdgeQueueFigures => {
  const figures: EdgeQueueFigures = Object.fromEntries(FIGURE_FIELDS.filter((field) => field in queue).map((field) => [field, queue[field]]));
  // The edge's registration is the truth for a pause; the bridge's copy lags by one sync.
  if (isPlainObject(queue.registration) && typeof queue.registration.paused === 'boolean') figures.paused = queue.registration.paused;
  return figures;
};

const bridgesOf = (summary: unknown): EdgeBridge[] => {
  const bridges = isPlainObject(summary) && Array.isArray(summary.bridges) ? summary.bridges : [];
  return bridges
    .filter((bridge) => isPlainObject(bridge) && typeof bridge.bridgeId === 'string' && typeof bridge.lastSeenAt === 'string')
    .map((bridge) => ({ bridgeId: bridge.bridgeId, lastSeenAt: bridge.lastSeenAt, stale: bridge.stale === true }));
};

export const fetchEdgeFigures = async (edge: Pick<EdgeClient, 'status'>): Promise<EdgeFigures> => {
  try {
    const body = await edge.status(EDGE_STATUS_TIMEOUT_MS);
    const queues = isPlainObject(body) && Array.isArray(body.queues) ? body.queues : undefined;
    if (!queues) return { available: false, error: 'the edge answered /internal/status without a queues array' };
    const figures = new Map<string, EdgeQueueFigures>();
    for (const queue of queues) {
      if (isPlainObject(queue) && typeof queue.name === 'string') figures.set(queue.name, figuresOf(queue));
    }
    return { available: true, queues: figures, bridges: bridgesOf(isPlainObject(body) ? body.bridges : undefined) };
  } catch (error) {
    return { available: false, error: error instanceof Error ? error.message : String(error) };
  }
};
