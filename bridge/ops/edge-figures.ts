// The edge's figures per queue (in flight / limit, latency, totals, last error), read on demand from
// the edge's `/internal/status` with a bridge signature: no admin token on the bridge, and no cost
// per job or heartbeat. When the edge does not answer, the caller shows Redis's counts alone.

import { isPlainObject } from '../../src/json.ts';
import type { EdgeClient } from '../edge-client.ts';

const EDGE_STATUS_TIMEOUT_MS = 3_000;
const FIGURE_FIELDS = ['inFlight', 'limit', 'waiting', 'totals', 'latencyMs', 'lastError'] as const;

export type EdgeQueueFigures = Partial<Record<(typeof FIGURE_FIELDS)[number], unknown>>;

export type EdgeFigures = { available: true; queues: Map<string, EdgeQueueFigures> } | { available: false; error: string };

export const fetchEdgeFigures = async (edge: Pick<EdgeClient, 'status'>): Promise<EdgeFigures> => {
  try {
    const body = await edge.status(EDGE_STATUS_TIMEOUT_MS);
    const queues = isPlainObject(body) && Array.isArray(body.queues) ? body.queues : undefined;
    if (!queues) return { available: false, error: 'the edge answered /internal/status without a queues array' };
    const figures = new Map<string, EdgeQueueFigures>();
    for (const queue of queues) {
      if (!isPlainObject(queue) || typeof queue.name !== 'string') continue;
      figures.set(queue.name, Object.fromEntries(FIGURE_FIELDS.filter((field) => field in queue).map((field) => [field, queue[field]])));
    }
    return { available: true, queues: figures };
  } catch (error) {
    return { available: false, error: error instanceof Error ? error.message : String(error) };
  }
};
