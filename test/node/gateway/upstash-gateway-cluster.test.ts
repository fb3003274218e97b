// The Upstash REST gateway in front of a real three-master Redis Cluster: the @upstash/redis client
// sees one Redis, as with real Upstash, while the gateway sends each command to the master that
// serves its key's slot.

import { Redis as Upstash } from '@upstash/redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisCluster } from '../../support/redis-cluster.ts';
import { teardown } from '../../support/teardown.ts';
import { UpstashGateway } from '../../../scripts/upstash-gateway.ts';

const TOKEN = 'gateway-cluster-token';
const KEYS = Array.from({ length: 12 }, (_, i) => `gw-cluster:${i}`);

let cluster: RedisCluster;
let gateway: UpstashGateway;
let upstash: Upstash;

beforeAll(async () => {
  cluster = await RedisCluster.start();
  gateway = await UpstashGateway.start({ clusterNodes: cluster.startupNodes, token: TOKEN });
  upstash = new Upstash({ url: gateway.url, token: TOKEN, enableTelemetry: false, retry: false, automaticDeserialization: false });
});

afterAll(() =>
  teardown(
    () => gateway?.close(),
    () => cluster?.close(),
  ),
);

it('runs single commands and scripts on keys spread over every master, each where its slot lives', async () => {
  for (const [i, key] of KEYS.entries()) expect(await upstash.set(key, `value-${i}`)).toBe('OK');

  // The keys really are spread: one master alone would answer MOVED for most of them.
  const owners = await Promise.all(KEYS.map((key) => cluster.masterFor(key)));
  expect(new Set(owners).size).toBe(3);
  const first = cluster.masters[0].client();
  try {
    const elsewhere = KEYS[owners.findIndex((owner) => owner !== cluster.masters[0])];
    await expect(first.get(elsewhere)).rejects.toThrow(/^MOVED /);
  } finally {
    first.disconnect();
  }

  expect(await Promise.all(KEYS.map((key) => upstash.get(key)))).toEqual(KEYS.map((_, i) => `value-${i}`));
  for (const key of KEYS) expect(await upstash.eval("return redis.call('APPEND', KEYS[1], ARGV[1])", [key], ['!'])).toBeGreaterThan(0);
  expect(await upstash.get(KEYS[5])).toBe('value-5!');
});

it('runs a pipeline and a transaction whose keys share a hash tag', async () => {
  const [a, b] = ['{gw-tag}:a', '{gw-tag}:b'];
  const pipeline = await upstash.pipeline().set(a, '1').incr(a).rpush(b, 'x', 'y').lrange(b, 0, -1).exec();
  expect(pipeline).toEqual(['OK', 2, 2, ['x', 'y']]);
  const transaction = await upstash.multi().exists(a).incrby(a, 40).exec();
  expect(transaction).toEqual([1, 42]);
});
