// The bridge's cluster client on a real three-master Redis Cluster: commands without a key go to
// the master of the queue prefix's slot, not a random one, for the client and its duplicates alike,
// so each holds one connection.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { PinnedCluster, slotOf } from '../../bridge/pinned-cluster.ts';
import { RedisCluster } from '../support/redis-cluster.ts';

const PREFIX = '{pinned}';
const KEYLESS_COMMANDS = 30;

let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await RedisCluster.start();
});

afterAll(() => cluster?.close());

/** Connections named `name` on each master, in order. */
const connectionsNamed = (name: string): Promise<number[]> =>
  Promise.all(
    cluster.masters.map(async (master) => {
      const client = master.client();
      try {
        return ((await client.client('LIST')) as string).split('\n').filter((line) => line.includes(`name=${name} `)).length;
      } finally {
        client.disconnect();
      }
    }),
  );

it('sends keyless commands to the master of the prefix slot, from the client and from its duplicates', async () => {
  const home = cluster.masters.indexOf(await cluster.masterFor(PREFIX));
  const client = new PinnedCluster(cluster.startupNodes, { redisOptions: { connectionName: 'pinned-main' }, enableReadyCheck: false }, slotOf(PREFIX));
  // BullMQ duplicates the shared client this way for each worker's blocking connection.
  const duplicate = client.duplicate(undefined, { redisOptions: { connectionName: 'pinned-copy' } });
  try {
    for (let i = 0; i < KEYLESS_COMMANDS; i++) await Promise.all([client.ping(), client.info('server'), duplicate.ping(), duplicate.publish(`${PREFIX}:channel`, 'x')]);
    await duplicate.set(`${PREFIX}:key`, 'v');

    const expected = cluster.masters.map((_, i) => (i === home ? 1 : 0));
    expect(await connectionsNamed('pinned-main')).toEqual(expected);
    expect(await connectionsNamed('pinned-copy')).toEqual(expected);
    expect(duplicate).toBeInstanceOf(PinnedCluster);
  } finally {
    client.disconnect();
    duplicate.disconnect();
  }
});

it('puts a hash-tagged key in its tag slot', () => {
  expect(slotOf('{qw}:email:wait')).toBe(slotOf('{qw}'));
  expect(slotOf('{qw}:email:wait')).toBe(slotOf('qw'));
  expect(slotOf('bull:email:wait')).not.toBe(slotOf('bull:other:wait'));
});
