// Scale-out on a real Redis Cluster: three masters started here, the bridge on REDIS_CLUSTER_NODES
// with a hash-tagged QUEUE_PREFIX, the Node client on an ioredis Cluster, and the edge's producer
// route writing through the Upstash gateway, which talks cluster behind its REST face. Then a soak
// slice with a second bridge replica (a `node bridge/main.ts` process): both producers keep adding
// while the master that holds the queues is killed and restarted.

import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { QueueClient } from '../../src/client/index.ts';
import { EdgeQueueClient } from '../../src/edge-client/index.ts';
import type { Registration } from '../../src/protocol.ts';
import { BridgeProcess, bridgeEnv, startBridge, type Env } from '../support/bridge.ts';
import { EdgeServer } from '../support/edge.ts';
import { FeatureStub } from '../support/feature-stub.ts';
import { allPages, OPS_ENV, OPS_READ_TOKEN, opsFetch } from '../support/ops.ts';
import { RedisCluster } from '../support/redis-cluster.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { teardown } from '../support/teardown.ts';
import { UpstashGateway } from '../../scripts/upstash-gateway.ts';
import { sleep, waitFor } from '../support/wait.ts';

const PREFIX = '{qw}';
const PRODUCER_TOKEN = 'cluster-producer-token';
const UPSTASH_TOKEN = 'cluster-upstash-token';
const BRIDGE_ID = 'bridge-on-cluster';
/** Not containing BRIDGE_ID, which the connection count looks for. */
const REPLICA_ID = 'replica-on-cluster';
const CONCURRENCY = 3;
/** The soak slice: jobs per producer per queue, one add every ADD_EVERY_MS per producer. */
const SOAK_JOBS = 60;
const SOAK_QUEUES = 2;
const ADD_EVERY_MS = 25;
/** How long the killed master stays down: well past a lock renewal, short of the cluster's node timeout. */
const DOWNTIME_MS = 2_000;

let cluster: RedisCluster;
let stub: FeatureStub;
let gateway: UpstashGateway;
let edge: EdgeServer;
let bridge: Bridge;
let bridgeVars: Env;
let replica: BridgeProcess | undefined;
let redis: Cluster;
let nodeProducer: QueueClient;
const edgeProducer = (): EdgeQueueClient => new EdgeQueueClient({ url: edge.url, token: PRODUCER_TOKEN });
const queues: Queue[] = [];

beforeAll(async () => {
  cluster = await RedisCluster.start();
  [stub, gateway] = await Promise.all([
    FeatureStub.start({ signingSecret: EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET }),
    UpstashGateway.start({ clusterNodes: cluster.startupNodes, token: UPSTASH_TOKEN }),
  ]);
  edge = await EdgeServer.start({ vars: { PRODUCER_TOKEN, UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: UPSTASH_TOKEN, QUEUE_PREFIX: PREFIX } });
  bridgeVars = bridgeEnv(edge.url, cluster.masters[0].port, {
    REDIS_CLUSTER_NODES: cluster.nodes,
    QUEUE_PREFIX: PREFIX,
    BRIDGE_ID,
    ...OPS_ENV,
    // Reconciliation reads every finished job back.
    QUEUE_COMPLETED_RETENTION_COUNT: '100000',
    // Longer than the master's outage (as the 30 s default is), so no job's lock lapses meanwhile.
    BRIDGE_LOCK_DURATION_MS: '10000',
  });
  bridge = await startBridge(bridgeVars);
  redis = cluster.client();
  nodeProducer = new QueueClient({ connection: redis, prefix: PREFIX });
}, 90_000);

afterAll(() =>
  teardown(
    () => nodeProducer?.close(),
    () => Promise.all(queues.map((queue) => queue.close())),
    () => redis?.disconnect(),
    () => bridge?.close(),
    () => replica?.stop(),
    () => edge?.close(),
    () => gateway?.close(),
    () => stub?.close(),
    () => cluster?.close(),
  ),
);

/** Registers queues at the edge and waits until the bridge runs a worker for each. */
const registerRunning = async (label: string, count: number): Promise<Registration[]> => {
  const registrations = await Promise.all(
    Array.from({ length: count }, (_, i) => edge.putRegistration(`${label}-${i}-${randomUUID().slice(0, 8)}`, { endpoint: stub.url, concurrency: CONCURRENCY, timeoutMs: 5_000 })),
  );
  const names = registrations.map((r) => r.name);
  await waitFor(async () => names.every((name) => bridge.status().then(({ workers }) => workers.some((w) => w.queue === name && w.running))), {
    what: `workers for ${names.join(', ')}`,
  });
  return registrations;
};

const bullQueue = (name: string): Queue => {
  const queue = new Queue(name, { connection: redis, prefix: PREFIX });
  queues.push(queue);
  return queue;
};

const finished = (queue: Queue, ids: string[], timeoutMs: number): Promise<Job[]> =>
  waitFor(
    async () => {
      const jobs = await Promise.all(ids.map((id) => Job.fromId(queue, id)));
      return jobs.every((job) => job?.finishedOn) ? (jobs as Job[]) : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `${ids.length} jobs of ${queue.name} to finish` },
  );

/** `read`'s answer from each master, in order. */
const perMaster = <T>(read: (client: Redis) => Promise<T>): Promise<T[]> =>
  Promise.all(
    cluster.masters.map(async (master) => {
      const client = master.client();
      try {
        return await read(client);
      } finally {
        client.disconnect();
      }
    }),
  );

/** The bridge's Redis connections on every master, by client name (ioredis's short-lived slot refreshers aside). */
const bridgeConnections = (): Promise<number[]> =>
  perMaster(async (client) => {
    const lines = ((await client.client('LIST')) as string).trim().split('\n');
    return lines.filter((line) => line.includes(BRIDGE_ID) && !line.includes('(refresher)')).length;
  });

it('runs jobs from the Node client and the edge route through the bridge, every key of a queue on one master, on queues + 2 connections', async () => {
  const registrations = await registerRunning('cluster', 3);
  const added = await Promise.all(
    registrations.map(async ({ name }) => ({
      name,
      ids: [
        ...(await nodeProducer.addJobs(name, [{ data: { via: 'node', n: 1 } }, { data: { via: 'node', n: 2 } }])),
        await edgeProducer().addJob(name, { via: 'edge', n: 3 }),
        await edgeProducer().addJob(name, { via: 'edge', n: 4 }, { delay: 300 }),
      ],
    })),
  );

  for (const { name, ids } of added) {
    const jobs = await finished(bullQueue(name), ids, 20_000);
    expect(jobs.map((job) => [job.data, job.returnvalue])).toEqual([
      [{ via: 'node', n: 1 }, { ok: true }],
      [{ via: 'node', n: 2 }, { ok: true }],
      [{ via: 'edge', n: 3 }, { ok: true }],
      [{ via: 'edge', n: 4 }, { ok: true }],
    ]);
    expect(stub.requests(name).map((request) => (request.body as { jobId: string }).jobId).sort()).toEqual([...ids].sort());
  }

  // The hash tag put every key of every queue on the master that serves its slot, and only there.
  const home = await cluster.masterFor(PREFIX);
  const keysPerMaster = await perMaster(async (client) => (await client.keys(`${PREFIX}:*`)).length);
  expect(cluster.masters.filter((_, i) => keysPerMaster[i] > 0)).toEqual([home]);

  // A worker's blocking connection each, one shared connection, one cancel subscriber.
  const workers = (await bridge.status()).workers.length;
  const connections = await bridgeConnections();
  console.info(`Redis Cluster connections of a bridge running ${workers} queues: ${connections.join(' + ')} over the three masters`);
  expect(connections.reduce((a, b) => a + b)).toBe(workers + 2);
}, 40_000);

it("cancels a running job over the cluster's pub/sub, lists it through the operations routes, and the edge reads the queue's depth through the gateway", async () => {
  const [{ name }] = await registerRunning('cluster-ops', 1);
  stub.script(name, [{ hang: true }]);
  const jobId = await nodeProducer.addJob(name, { long: true });
  await waitFor(() => stub.stats(name).inFlight === 1, { what: 'the job at the feature' });

  // The cancel is published on the tag's master and reaches the subscriber, wherever ioredis put it.
  expect(await opsFetch(bridge.url, `/queues/${name}/jobs/${jobId}/cancel`, { method: 'POST' })).toEqual({ status: 200, body: { id: jobId, state: 'failed' } });
  await waitFor(() => stub.stats(name).aborted === 1, { what: 'the feature call aborted' });
  expect((await opsFetch(bridge.url, `/queues/${name}/jobs/${jobId}`, { token: OPS_READ_TOKEN })).body).toMatchObject({ state: 'failed', failedReason: 'cancelled' });
  expect(await allPages(bridge.url, name, 'failed', 10)).toEqual([jobId]);

  const status = await fetch(`${edge.url}/internal/status`, { headers: { Authorization: `Bearer ${edge.adminToken}` } });
  const { queues: depths } = (await status.json()) as { queues: { name: string; depth: unknown }[] };
  expect(depths.find((queue) => queue.name === name)?.depth).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });
}, 30_000);

it('two bridge replicas lose and duplicate no job, hold the global limit, and every worker resumes when the queues\' master is killed and restarted mid-run', async () => {
  const registrations = await registerRunning('cluster-soak', SOAK_QUEUES);
  const names = registrations.map((r) => r.name);
  const second = await BridgeProcess.start({ ...bridgeVars, BRIDGE_ID: REPLICA_ID });
  replica = second;
  await waitFor(
    async () => {
      const { workers } = (await (await fetch(`${second.url}/internal/status`)).json()) as { workers: { queue: string; running: boolean }[] };
      return names.every((name) => workers.some((w) => w.queue === name && w.running));
    },
    { what: 'the replica to run the soak queues' },
  );
  const home = await cluster.masterFor(PREFIX);
  const failedAdds = { node: 0, edge: 0 };
  const rounds = { node: 0, edge: 0 };

  // Each producer adds its jobs at a steady pace; an add that fails (the master is down) is tried
  // again with the same jobId, so a retry of an add that did land cannot make a second job.
  const add = async (via: 'node' | 'edge', name: string, n: number): Promise<void> => {
    const jobId = `${via}-${n}`;
    for (;;) {
      try {
        if (via === 'node') await nodeProducer.addJob(name, { via, n }, { jobId });
        else await edgeProducer().addJob(name, { via, n }, { jobId });
        return;
      } catch {
        failedAdds[via]++;
        await sleep(100);
      }
    }
  };
  const produce = async (via: 'node' | 'edge'): Promise<void> => {
    for (let n = 0; n < SOAK_JOBS; n++) {
      await Promise.all(names.map((name) => add(via, name, n)));
      rounds[via]++;
      await sleep(ADD_EVERY_MS);
    }
  };
  const restart = async (): Promise<{ downAt: number; backAt: number }> => {
    // A third of the way in for both producers, so both are adding while the master is down.
    await waitFor(() => rounds.node >= SOAK_JOBS / 3 && rounds.edge >= SOAK_JOBS / 3, { what: 'the soak to be under way' });
    const downAt = Date.now();
    await home.stop('SIGKILL');
    const outageSeen = waitFor(async () => (await bridge.health()).status === 'down', { timeoutMs: DOWNTIME_MS, what: "the bridge's /health to report Redis down" });
    await sleep(DOWNTIME_MS);
    await outageSeen;
    await home.restart();
    await cluster.waitUntilHealthy();
    return { downAt, backAt: Date.now() };
  };
  const [, , { downAt, backAt }] = await Promise.all([produce('node'), produce('edge'), restart()]);

  const expectedIds = ['node', 'edge'].flatMap((via) => Array.from({ length: SOAK_JOBS }, (_, n) => `${via}-${n}`));
  let duplicatedCalls = 0;
  for (const name of names) {
    const queue = bullQueue(name);
    const jobs = await finished(queue, expectedIds, 30_000);
    expect(jobs.filter((job) => job.failedReason)).toEqual([]);
    // Both replicas took jobs, and together never more than the queue's global limit at once.
    expect(new Set(jobs.map((job) => job.processedBy))).toEqual(new Set([BRIDGE_ID, REPLICA_ID]));
    expect(stub.stats(name).maxInFlight).toBeLessThanOrEqual(CONCURRENCY);
    // Nothing beyond the expected jobs, nothing left behind.
    expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed', 'prioritized')).toEqual({
      completed: expectedIds.length,
      failed: 0,
      waiting: 0,
      active: 0,
      delayed: 0,
      prioritized: 0,
    });
    const calls = new Map<string, number[]>();
    for (const request of stub.requests(name)) {
      const { jobId } = request.body as { jobId: string };
      calls.set(jobId, [...(calls.get(jobId) ?? []), request.receivedAt]);
    }
    expect([...calls.keys()].sort()).toEqual([...expectedIds].sort());
    // Completions of jobs in flight at the kill waited for the master instead of being lost, so
    // no job's lock lapsed and none was called again.
    duplicatedCalls += [...calls.values()].filter((at) => at.length > 1).length;
  }
  // Every worker resumed: an idle worker, blocked on its own connection, takes a job added now.
  await Promise.all(
    names.map(async (name) => {
      const [after] = await finished(bullQueue(name), [await nodeProducer.addJob(name, { after: 'restart' })], 10_000);
      expect(after.returnvalue).toEqual({ ok: true });
    }),
  );
  console.info(
    `master down ${backAt - downAt} ms; adds retried: node ${failedAdds.node}, edge ${failedAdds.edge}; ` +
      `${duplicatedCalls} of ${expectedIds.length * SOAK_QUEUES} jobs called more than once`,
  );
  expect(duplicatedCalls).toBe(0);
  // Retries during the outage opened connections to the other masters; once idle they are closed.
  const workers = (await bridge.status()).workers.length;
  console.info(`Redis Cluster connections of the bridge just after the restart: ${(await bridgeConnections()).join(' + ')} for ${workers} queues`);
  await waitFor(async () => (await bridgeConnections()).reduce((a, b) => a + b) === workers + 2, { timeoutMs: 15_000, intervalMs: 250, what: `the bridge back to ${workers} + 2 connections` });
  expect(failedAdds.node + failedAdds.edge).toBeGreaterThan(0);
  expect((await bridge.health()).status).toBe('ok');
  expect(((await (await fetch(`${second.url}/health`)).json()) as { status: string }).status).toBe('ok');
  expect((await bridge.status()).workers.every((worker) => worker.running)).toBe(true);
}, 60_000);
