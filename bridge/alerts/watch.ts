// The alerts that come from watching rather than from a job: `queue.backlog` and `bridge.stale`.
// Every bridge runs this; the episode markers in Redis (SET NX) let exactly one of them report an
// episode. Stale bridges are found by the bridges themselves: each writes a heartbeat into Redis,
// and the others see it stop. The edge's BridgeMonitor sees heartbeats too, but reporting from the
// bridge tier keeps one delivery path (the durable outbox, its retries and records) and one signing
// key; /health at the edge still answers 503 when every bridge is gone, which no bridge can report.

import type { RedisClient } from '../redis.ts';
import type { AlertEvent, Registration } from '../../src/protocol.ts';
import type { Logger } from '../logger.ts';
import { ALERTS_QUEUE, type AlertOutbox } from './outbox.ts';

/** A bridge silent this long is forgotten (replicas come and go with deployments). */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;
/** Episode markers outlive any episode worth reporting twice. */
const MARKER_TTL_S = 24 * 60 * 60;

export interface WatchedQueue {
  name: string;
  registration: Registration;
  counts(): Promise<{ waiting: number }>;
}

export interface AlertWatchOptions {
  connection: RedisClient;
  prefix: string;
  bridgeId: string;
  staleAfterMs: number;
  outbox: AlertOutbox;
  queues: () => WatchedQueue[];
  logger: Logger;
}

const wants = (registration: Registration, event: AlertEvent): boolean => registration.alerts?.on.includes(event) ?? false;

export class AlertWatch {
  readonly #options: AlertWatchOptions;
  readonly #keyPrefix: string;
  readonly #unsignedWarned = new Set<string>();

  constructor(options: AlertWatchOptions) {
    this.#options = options;
    this.#keyPrefix = `${options.prefix}:${ALERTS_QUEUE}`;
  }

  /** One round: this bridge's heartbeat, then backlog and stale-bridge episodes. */
  async tick(): Promise<void> {
    const { connection, bridgeId } = this.#options;
    // Redis's clock, not ours: bridges on hosts whose clocks disagree must not call each other stale.
    const [seconds, micros] = await connection.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    await connection.hset(this.#bridgesKey, bridgeId, String(now));
    const queues = this.#options.queues();
    this.#warnUnsigned(queues);
    if (!this.#options.outbox.enabled) return;
    await Promise.all(queues.filter((q) => wants(q.registration, 'queue.backlog')).map((q) => this.#checkBacklog(q)));
    await this.#checkBridges(now, queues.filter((q) => wants(q.registration, 'bridge.stale')));
  }

  /** A bridge closing on purpose is not stale: it leaves the heartbeat set. */
  async leave(): Promise<void> {
    await this.#options.connection.hdel(this.#bridgesKey, this.#options.bridgeId);
  }

  get #bridgesKey(): string {
    return `${this.#keyPrefix}:bridges`;
  }

  async #checkBacklog(queue: WatchedQueue): Promise<void> {
    const { connection, outbox } = this.#options;
    const alerts = queue.registration.alerts!;
    const over = alerts.backlogOver ?? Number.POSITIVE_INFINITY;
    const { waiting } = await queue.counts();
    const marker = `${this.#keyPrefix}:backlog:${queue.name}`;
    if (waiting <= over) {
      await connection.del(marker);
      return;
    }
    const since = Date.now();
    if ((await connection.set(marker, String(since), 'NX')) !== 'OK') return;
    outbox.send({ type: 'queue.backlog', queue: queue.name, url: alerts.url, data: { waiting, backlogOver: over, since: new Date(since).toISOString() }, episode: `queue.backlog:${queue.name}:${since}` });
  }

  async #checkBridges(now: number, queues: WatchedQueue[]): Promise<void> {
    const { connection, bridgeId, staleAfterMs, outbox } = this.#options;
    for (const [id, seen] of Object.entries(await connection.hgetall(this.#bridgesKey))) {
      const lastSeen = Number(seen);
      if (id === bridgeId || now - lastSeen <= staleAfterMs) continue;
      if (now - lastSeen > FORGET_AFTER_MS) {
        await connection.hdel(this.#bridgesKey, id);
        continue;
      }
      // Even with no queue asking for it yet, the episode is claimed once, so a later registration does not hear of an old one.
      if ((await connection.set(`${this.#keyPrefix}:stale:${id}:${lastSeen}`, bridgeId, 'EX', MARKER_TTL_S, 'NX')) !== 'OK') continue;
      const lastSeenAt = new Date(lastSeen).toISOString();
      for (const queue of queues) {
        outbox.send({
          type: 'bridge.stale',
          queue: queue.name,
          url: queue.registration.alerts!.url,
          data: { bridgeId: id, lastSeenAt, staleAfterMs, detectedBy: bridgeId },
          episode: `bridge.stale:${id}:${lastSeen}:${queue.name}`,
        });
      }
    }
  }

  #warnUnsigned(queues: WatchedQueue[]): void {
    if (this.#options.outbox.enabled) return;
    for (const queue of queues) {
      if (!queue.registration.alerts || this.#unsignedWarned.has(queue.name)) continue;
      this.#unsignedWarned.add(queue.name);
      this.#options.logger.warn('queue has alerts configured but ALERT_SIGNING_SECRET is not set: no alert is sent', { queue: queue.name });
    }
  }
}
