// An ioredis Cluster that sends commands without a key (BullMQ's INFO version check, the health
// PING, the cancel PUBLISH) to the master of one slot instead of a random one. With a hash-tagged
// QUEUE_PREFIX every BullMQ key lives in that slot, so each of the bridge's cluster clients (the
// shared one, one blocking duplicate per worker) holds a single node connection, as against one
// Redis: queues + 2 connections in all, not up to three times that. While a master restarts,
// ioredis retries its commands on random masters (which answer MOVED); the connections that opens
// are closed again once idle, so the count returns to queues + 2.

import { Cluster, Command, type ClusterNode, type ClusterOptions, type Redis } from 'ioredis';

/** After a connection to another master opens, how long until idle ones are closed. */
const TRIM_AFTER_MS = 5_000;

/** The slot Redis Cluster gives `key` (its hash tag's, if it has one). */
export const slotOf = (key: string): number => new Command('exists', [key]).getSlot();

export class PinnedCluster extends Cluster {
  readonly #startupNodes: ClusterNode[];
  readonly #options: ClusterOptions;
  readonly #slot: number;
  #trimTimer?: NodeJS.Timeout;

  constructor(startupNodes: ClusterNode[], options: ClusterOptions, slot: number) {
    super(startupNodes, options);
    this.#startupNodes = startupNodes;
    this.#options = options;
    this.#slot = slot;
    this.on('+node', (node: Redis) => node.on('ready', () => this.#scheduleTrim()));
    this.on('end', () => clearTimeout(this.#trimTimer));
  }

  /** BullMQ duplicates the shared client for each worker's blocking connection: pinned alike. */
  override duplicate(overrideStartupNodes: ClusterNode[] = [], overrideOptions: ClusterOptions = {}): PinnedCluster {
    const nodes = overrideStartupNodes.length > 0 ? overrideStartupNodes : this.#startupNodes;
    return new PinnedCluster(nodes, { ...this.#options, ...overrideOptions }, this.#slot);
  }

  override sendCommand(command: Command, stream?: Parameters<Cluster['sendCommand']>[1], node?: unknown): unknown {
    // ioredis routes a command by `node.slot` when given one; pipelines pass their own node.
    if (node === undefined && command.getSlot() == null) return super.sendCommand(command, stream, { slot: this.#slot });
    return super.sendCommand(command, stream, node);
  }

  #scheduleTrim(): void {
    clearTimeout(this.#trimTimer);
    this.#trimTimer = setTimeout(() => this.#trim(), TRIM_AFTER_MS).unref();
  }

  /** QUIT lets a connection answer what it was sent first; ioredis connects again if a slot moves there. */
  #trim(): void {
    const owner = this.slots[this.#slot]?.[0];
    if (owner === undefined || this.status === 'end') return;
    for (const node of this.nodes('all')) {
      const { host, port } = node.options;
      if (`${host}:${port}` !== owner && node.status === 'ready') node.quit().catch(() => {});
    }
  }
}
