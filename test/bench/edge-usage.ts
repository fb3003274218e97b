// The billable units the edge counted itself (GET /internal/usage), read before and after a run,
// and what changed in between, for prices.ts to price.

import { addUsage, emptyUsage, type Usage } from '../../worker/metering/usage.ts';
import type { RouteKind } from '../../worker/metering/worker-requests.ts';

export interface EdgeUsage {
  worker: { requests: Record<RouteKind, number> };
  registryIndex: Usage;
  bridgeMonitor: Usage;
  coordinators: Record<string, Usage>;
}

export const readEdgeUsage = async (edge: { url: string; adminToken: string }, queues: string[]): Promise<EdgeUsage> => {
  const response = await fetch(`${edge.url}/internal/usage?queues=${queues.join(',')}`, { headers: { authorization: `Bearer ${edge.adminToken}` } });
  if (!response.ok) throw new Error(`GET /internal/usage → ${response.status}: ${await response.text()}`);
  return response.json() as Promise<EdgeUsage>;
};

/** An object that restarted in between counts from zero again. */
const minus = (after: Usage, before: Usage | undefined): Usage =>
  !before || after.doRequests + after.alarms < before.doRequests + before.alarms
    ? after
    : addUsage(after, Object.fromEntries(Object.entries(before).map(([key, value]) => [key, -value])));

export interface UsageScope {
  /** Worker requests of these kinds count. */
  routes: RouteKind[];
  /** Count the registry index and the bridge monitor too (a bridge's fixed cost). */
  singletons: boolean;
}

/** Everything used between two reads, within `scope`, summed into one Usage. */
export const usageBetween = (before: EdgeUsage, after: EdgeUsage, scope: UsageScope): Usage => {
  let total = emptyUsage();
  total.workerRequests = scope.routes.reduce((sum, kind) => sum + after.worker.requests[kind] - before.worker.requests[kind], 0);
  for (const [name, usage] of Object.entries(after.coordinators)) total = addUsage(total, minus(usage, before.coordinators[name]));
  if (scope.singletons) {
    total = addUsage(total, minus(after.registryIndex, before.registryIndex));
    total = addUsage(total, minus(after.bridgeMonitor, before.bridgeMonitor));
  }
  return total;
};

/** The units a coordinator spends with time rather than per job: alarms, rows, awake time. */
export const timeDriven = (usage: Usage): Usage => ({ ...emptyUsage(), alarms: usage.alarms, rowsRead: usage.rowsRead, rowsWritten: usage.rowsWritten, activeMs: usage.activeMs });
