// A real three-master Redis Cluster for one test file: three `redis-server --cluster-enabled yes`
// children on free ports (each its own dir, appendonly, so a restarted master keeps its data and
// its node id), joined by `redis-cli --cluster create`. No replicas: a master restarted quickly
// comes back owning its slots, before the others could mark it failed.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { freePort } from '../../scripts/free-port.ts';
import { RedisServer } from './redis.ts';
import { waitFor } from './wait.ts';

const MASTERS = 3;
/** Longer than any restart here, so the cluster never declares a restarted master failed. */
const NODE_TIMEOUT_MS = 5_000;
const READY_DEADLINE_MS = 20_000;

const run = promisify(execFile);

const nodeArgs = async (): Promise<string[]> => [
  '--cluster-enabled', 'yes',
  '--cluster-config-file', 'nodes.conf',
  '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
  // The bus port defaults to port + 10000, which a high ephemeral port would overflow.
  '--cluster-port', String(await freePort()),
  // Every write on disk before it is acknowledged: a killed master loses nothing it confirmed.
  '--appendfsync', 'always',
];

export class RedisCluster {
  readonly masters: RedisServer[];

  private constructor(masters: RedisServer[]) {
    this.masters = masters;
  }

  static async start(): Promise<RedisCluster> {
    const masters: RedisServer[] = [];
    try {
      for (let i = 0; i < MASTERS; i++) masters.push(await RedisServer.start({ persistent: true, extraArgs: await nodeArgs() }));
      const cluster = new RedisCluster(masters);
      await run('redis-cli', ['--cluster', 'create', ...cluster.#addresses(), '--cluster-replicas', '0', '--cluster-yes']);
      await cluster.waitUntilHealthy();
      return cluster;
    } catch (error) {
      await Promise.all(masters.map((master) => master.close()));
      throw error;
    }
  }

  /** `host:port` of every master, as REDIS_CLUSTER_NODES takes them. */
  get nodes(): string {
    return this.#addresses().join(',');
  }

  get startupNodes(): { host: string; port: number }[] {
    return this.masters.map((master) => master.connection);
  }

  /** A cluster client for the test's own use; the caller quits it. */
  client(): Cluster {
    return new Cluster(this.startupNodes, { redisOptions: { maxRetriesPerRequest: null } });
  }

  /** The master that serves `key`'s slot (every key of a hash-tagged queue prefix lands on one). */
  async masterFor(key: string): Promise<RedisServer> {
    const probe = this.masters[0].client();
    try {
      const slot = (await probe.call('CLUSTER', 'KEYSLOT', key)) as number;
      const ranges = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const port = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
      const master = this.masters.find((server) => server.port === port);
      if (!master) throw new Error(`no master serves slot ${slot} of ${key}`);
      return master;
    } finally {
      probe.disconnect();
    }
  }

  /** Resolves once every master answers and reports the cluster ok with all slots served. */
  async waitUntilHealthy(): Promise<void> {
    await waitFor(async () => (await Promise.all(this.masters.map((master) => this.#healthy(master)))).every(Boolean), {
      timeoutMs: READY_DEADLINE_MS,
      intervalMs: 100,
      what: 'the Redis Cluster to report cluster_state:ok on every master',
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.masters.map((master) => master.close()));
  }

  #addresses(): string[] {
    return this.masters.map((master) => `127.0.0.1:${master.port}`);
  }

  async #healthy(master: RedisServer): Promise<boolean> {
    const client = master.client();
    client.on('error', () => {});
    try {
      const info = (await client.call('CLUSTER', 'INFO')) as string;
      return info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384') && info.includes(`cluster_known_nodes:${MASTERS}`);
    } finally {
      client.disconnect();
    }
  }
}
