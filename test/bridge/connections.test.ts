// The seed's point: 38 queues in one process on few Redis connections. Each worker needs its own
// blocking connection; the cancel bus one subscriber; everything else shares one.

import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { TestStack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const QUEUES = 38;
const MAX_CONNECTIONS = 40;
const BRIDGE_ID = 'bridge-connections';

let stack: TestStack;
let bridge: Bridge;
let names: string[];

beforeAll(async () => {
  stack = await TestStack.start();
  names = [];
  for (let i = 0; i < QUEUES; i++) names.push(await stack.register('feature'));
});

afterAll(async () => {
  await bridge?.close();
  await stack?.close();
});

const clients = async (): Promise<string[]> => ((await stack.connection.client('LIST')) as string).trim().split('\n');

it(`${QUEUES} registrations: at most ${MAX_CONNECTIONS} Redis connections from the bridge, all workers serving`, async () => {
  const before = (await clients()).length;
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port, { BRIDGE_ID }));
  await waitFor(async () => (await bridge.status()).workers.filter((w) => w.running).length === QUEUES, { what: `${QUEUES} running workers` });

  // One job per queue through the real path proves every worker (and its blocking connection) is live.
  const producers = names.map((name) => new Queue(name, { connection: stack.connection }));
  await Promise.all(producers.map((queue) => queue.add('ping', {})));
  await waitFor(() => names.every((name) => stack.stub.requests(name).length === 1), { timeoutMs: 30_000, what: 'a call per queue' });
  await Promise.all(producers.map((queue) => queue.close()));

  const fromBridge = (await clients()).filter((line) => line.includes(BRIDGE_ID));
  const added = (await clients()).length - before;
  console.info(`Redis connections for ${QUEUES} queues: ${fromBridge.length} named by the bridge, ${added} added in total`);
  // One shared connection, one blocking connection per worker, and one subscriber for cancels.
  expect(fromBridge.length).toBe(QUEUES + 2);
  expect(added).toBeLessThanOrEqual(MAX_CONNECTIONS);
});
