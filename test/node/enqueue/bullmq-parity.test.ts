// The edge writes jobs with BullMQ's own scripts and argument packing. Here BullMQ's Queue.add runs
// for real and what it sends to Redis is captured, then compared with what the edge would send for
// the same job: same script, same KEYS, same ARGV bytes.

import { createHash } from 'node:crypto';
import { PRIORITY_LIMIT, Queue } from 'bullmq';
import type { Command, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveJobOptions, withTraceparent, type JobOptions } from '../../../src/jobs/job-options.ts';
import { MAX_JOB_PRIORITY } from '../../../src/jobs/limits.ts';
import { jobArgv, scriptFor } from '../../../worker/enqueue/add-job.ts';
import { ADD_DELAYED_JOB, ADD_PRIORITIZED_JOB, ADD_STANDARD_JOB, HEX_ARGV_PROLOGUE } from '../../../worker/enqueue/bullmq-scripts.ts';
import { queueKeys } from '../../../worker/enqueue/queue-keys.ts';
import { RedisServer } from '../../support/redis.ts';

const BULLMQ_VERSION = '6.7.0';
const RETRY = { attempts: 4, backoff: { type: 'exponential' as const, delayMs: 1_000, maxDelayMs: 60_000, jitter: 0.2 } };

let redis: RedisServer;
let connection: Redis;
let queueCounter = 0;
const sent: Command[] = [];

/** The script BullMQ ran last (ioredis sends EVAL the first time per connection, then EVALSHA). */
const lastScriptCall = () => {
  const command = sent.findLast((c) => c.name === 'eval' || c.name === 'evalsha');
  if (!command) throw new Error('BullMQ ran no script');
  const [script, keyCount, ...rest] = command.args as (string | Buffer | number)[];
  const sha = command.name === 'evalsha' ? String(script) : createHash('sha1').update(String(script)).digest('hex');
  const keys = rest.slice(0, Number(keyCount)).map(String);
  const argv = rest.slice(Number(keyCount)).map((arg) => (Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg))));
  return { sha, keys, argv };
};

const hexToBuffer = (hex: string) => Buffer.from(hex, 'hex');

beforeAll(async () => {
  redis = await RedisServer.start();
  connection = redis.client();
  const send = connection.sendCommand.bind(connection);
  connection.sendCommand = (command, stream) => {
    sent.push(command);
    return send(command, stream);
  };
});

afterAll(async () => {
  connection?.disconnect();
  await redis?.close();
});

describe('edge enqueue parity with BullMQ', () => {
  it.each<[string, string, unknown, JobOptions & { traceparent?: string }]>([
    ['a plain job', 'welcome', { to: 'a@example.com' }, {}],
    ['a job with its trace', 'traced', { n: 2 }, { jobId: 'traced-1', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }],
    ['a custom id, backoff and attempts', 'resend-receipt-for-a-long-job-name', { n: 1 }, { jobId: 'order-2026-11-27-0001', attempts: 7, backoff: { type: 'fixed', delay: 90_000, jitter: 0.35 } }],
    ['a numeric backoff', 'ünïcode ✓ name', [1, 'two', { three: 3 }], { backoff: 250 }],
    ['a delayed job', 'later', { when: 'soon' }, { delay: 86_400_000 }],
    ['a prioritised job', 'urgent', null, { priority: 70_000 }],
  ])('sends the same script, KEYS and ARGV as Queue.add for %s', async (_case, name, data, { traceparent, ...options }) => {
    const queueName = `parity-${++queueCounter}`;
    const resolved = resolveJobOptions(options, RETRY);
    const opts = traceparent ? withTraceparent(resolved, traceparent) : resolved;
    const queue = new Queue(queueName, { connection });
    try {
      const job = await queue.add(name, data, opts);
      const bullmq = lastScriptCall();

      const keys = queueKeys(queueName);
      const ours = { name, dataJson: JSON.stringify(data), opts, timestamp: job.timestamp };
      const { script, scriptKeys } = scriptFor(opts, keys);
      const [args, dataJson, packedOpts] = jobArgv(ours, keys);

      const loaded = (connection as unknown as { scriptsSet: Record<string, { sha: string; lua: string }> }).scriptsSet;
      expect(loaded[`${script.name}:${BULLMQ_VERSION}`].sha).toBe(bullmq.sha);
      expect(scriptKeys).toEqual(bullmq.keys);
      expect(hexToBuffer(args)).toEqual(bullmq.argv[0]);
      expect(Buffer.from(dataJson)).toEqual(bullmq.argv[1]);
      expect(hexToBuffer(packedOpts)).toEqual(bullmq.argv[2]);
    } finally {
      await queue.close();
    }
  });

  it('accepts exactly the priorities BullMQ accepts', () => {
    expect(MAX_JOB_PRIORITY).toBe(PRIORITY_LIMIT);
  });

  it('bundles BullMQ’s scripts unchanged behind the hex prologue', async () => {
    const queue = new Queue(`parity-${++queueCounter}`, { connection });
    await queue.waitUntilReady();
    await queue.close();
    const loaded = (connection as unknown as { scriptsSet: Record<string, { lua: string; numberOfKeys: number }> }).scriptsSet;
    for (const script of [ADD_STANDARD_JOB, ADD_DELAYED_JOB, ADD_PRIORITIZED_JOB]) {
      const bullmq = loaded[`${script.name}:${BULLMQ_VERSION}`];
      expect(script.lua).toBe(HEX_ARGV_PROLOGUE + bullmq.lua);
      expect(script.keys).toBe(bullmq.numberOfKeys);
      expect(await script.sha1()).toMatch(/^[0-9a-f]{40}$/);
    }
  });
});
