// One BridgeMonitor (env.BRIDGE_MONITOR.getByName('default')) remembers the latest heartbeat of each
// bridge replica, so /health can tell whether anything is consuming the queues. Heartbeats live in
// memory; a bridge's row is written when its workers change or its stored heartbeat is older than
// PERSIST_EVERY_MS, not at every heartbeat (a row each 5 s per bridge was most of an idle month).

import { DurableObject } from 'cloudflare:workers';
import type { BridgeWorkerStatus, HeartbeatRequest } from '../src/protocol.ts';
import { countedSql, type CountedSql } from './metering/counted-sql.ts';
import { UsageMeter, type Usage } from './metering/usage.ts';

/** A bridge that has not reported for this long is stale (it heartbeats every few seconds). */
export const BRIDGE_STALE_AFTER_MS = 30_000;
/** Below the stale time, so a restarted monitor never takes a live bridge for a stale one. */
const PERSIST_EVERY_MS = 25_000;
/** Bridges silent for this long are forgotten (replicas come and go with deployments). */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

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

/** What a heartbeat changes beyond its time and counts: then it is written at once. */
const shapeOf = (record: BridgeRecord): string =>
  JSON.stringify([record.startedAt, record.workers.map(({ queue, running, concurrency }) => [queue, running, concurrency])]);

export class BridgeMonitor extends DurableObject<Env> {
  readonly #meter = new UsageMeter();
  readonly #sql: CountedSql;
  /** A Map, so a bridge id such as `__proto__` is a key like any other. */
  readonly #bridges = new Map<string, BridgeRecord>();
  /** Per bridge, when its row was written and what it said. */
  readonly #written = new Map<string, { at: number; shape: string }>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = countedSql(ctx.storage.sql, this.#meter);
    this.#sql('CREATE TABLE IF NOT EXISTS bridges (id TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const { id, value } of this.#sql<{ id: string; value: string }>('SELECT id, value FROM bridges')) {
      const record = JSON.parse(value) as BridgeRecord;
      this.#bridges.set(id, record);
      this.#written.set(id, { at: Date.parse(record.lastSeenAt), shape: shapeOf(record) });
    }
  }

  async heartbeat(heartbeat: HeartbeatRequest): Promise<void> {
    await this.#meter.call(() => {
      const now = Date.now();
      const record: BridgeRecord = { ...heartbeat, lastSeenAt: new Date(now).toISOString() };
      this.#bridges.set(heartbeat.bridgeId, record);
      const written = this.#written.get(heartbeat.bridgeId);
      const shape = shapeOf(record);
      if (!written || written.shape !== shape || now - written.at >= PERSIST_EVERY_MS) {
        this.#sql('INSERT INTO bridges (id, value) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET value = excluded.value', heartbeat.bridgeId, JSON.stringify(record));
        this.#written.set(heartbeat.bridgeId, { at: now, shape });
      }
      for (const [id, bridge] of this.#bridges) {
        if (now - Date.parse(bridge.lastSeenAt) <= FORGET_AFTER_MS) continue;
        this.#bridges.delete(id);
        this.#written.delete(id);
        this.#sql('DELETE FROM bridges WHERE id = ?', id);
      }
    });
  }

  async summary(): Promise<BridgeSummary> {
    return this.#meter.call(() => {
      const now = Date.now();
      const bridges = [...this.#bridges.values()]
        .map((record) => ({ ...record, stale: now - Date.parse(record.lastSeenAt) > BRIDGE_STALE_AFTER_MS }))
        .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
      const lastSeenAt = bridges[0]?.lastSeenAt ?? null;
      return { lastSeenAt, stale: bridges.every((b) => b.stale), bridges };
    });
  }

  /** The billable units this object has used since it woke (not counting this call). */
  async usage(): Promise<Usage> {
    return this.#meter.snapshot();
  }
}
