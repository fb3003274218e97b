// One BridgeMonitor (env.BRIDGE_MONITOR.getByName('default')) remembers the latest heartbeat of each
// bridge replica, so /health can tell whether anything is consuming the queues.

import { DurableObject } from 'cloudflare:workers';
import type { BridgeWorkerStatus, HeartbeatRequest } from '../src/protocol.ts';

/** A bridge that has not reported for this long is stale (it heartbeats every few seconds). */
export const BRIDGE_STALE_AFTER_MS = 30_000;
/** Bridges silent for this long are forgotten (replicas come and go with deployments). */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;
const BRIDGES_KEY = 'bridges';

export interface BridgeRecord {
  bridgeId: string;
  startedAt: string;
  lastSeenAt: string;
  workers: BridgeWorkerStatus[];
}

export interface BridgeSummary {
  lastSeenAt: string | null;
  stale: boolean;
  bridges: (BridgeRecord & { stale: boolean })[];
}

export class BridgeMonitor extends DurableObject<Env> {
  async heartbeat(heartbeat: HeartbeatRequest): Promise<void> {
    const bridges = await this.#load();
    const now = Date.now();
    bridges.set(heartbeat.bridgeId, { ...heartbeat, lastSeenAt: new Date(now).toISOString() });
    for (const [id, record] of bridges) {
      if (now - Date.parse(record.lastSeenAt) > FORGET_AFTER_MS) bridges.delete(id);
    }
    await this.ctx.storage.put(BRIDGES_KEY, bridges);
  }

  async summary(): Promise<BridgeSummary> {
    const now = Date.now();
    const bridges = [...(await this.#load()).values()]
      .map((record) => ({ ...record, stale: now - Date.parse(record.lastSeenAt) > BRIDGE_STALE_AFTER_MS }))
      .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
    const lastSeenAt = bridges[0]?.lastSeenAt ?? null;
    return { lastSeenAt, stale: bridges.every((b) => b.stale), bridges };
  }

  /** A Map, so a bridge id such as `__proto__` is a key like any other, not the object's prototype. */
  async #load(): Promise<Map<string, BridgeRecord>> {
    const stored = await this.ctx.storage.get<Map<string, BridgeRecord> | Record<string, BridgeRecord>>(BRIDGES_KEY);
    if (stored instanceof Map) return stored;
    // Written as a plain object before the Map.
    return new Map(Object.entries(stored ?? {}));
  }
}
