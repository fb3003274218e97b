// The edge's enqueue logic end to end against a real Redis through the Upstash REST gateway, with
// the same @upstash/redis build the Worker bundles. What it made is read back, compared with a twin
// made by BullMQ's Queue.add, and processed by a plain BullMQ Worker.

import { Queue, Worker } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveJobOptions, type JobOptions } from '../../../src/jobs/job-options.ts';
import type { RetryPolicy } from '../../../src/protocol.ts';
import { addJob, type NewJob } from '../../../worker/enqueue/add-job.ts';
import { queueDepthsFor } from '../../../worker/enqueue/depth.ts';
import { queueKeys } from '../../../worker/enqueue/queue-keys.ts';
import { upstashFor, type UpstashBindings } from '../../../worker/enqueue/upstash.ts';
import { RedisServer } from '../../support/redis.ts';
import { teardown } from '../../support/teardown.ts';
import { UpstashGateway } from '../../../scripts/upstash-gateway.ts';
import { waitFor } from '../../support/wait.ts';

const TOKEN = 'enqueue-test-token';
const RETRY: RetryPolicy = { attempts: 3, backoff: { type: 'fixed', delayMs: 10, maxDelayMs: 10, jitter: 0 } };

let redis: RedisServer;
let gateway: UpstashGateway;
let direct: IORedis;
let env: UpstashBindings;
let queueCounter = 0;
const cleanups: (() => Promise<unknown>)[] = [];

const uniqueQueue = (label: string) => `edge-${label}-${++queueCounter}`;

const bullQueue = (name: string) => {
  const queue = new Queue(name, { connection: redis.connection });
  cleanups.push(() => queue.close());
  return queue;
};

const newJob = (name: string, data: unknown, options: JobOptions = {}): NewJob => ({
  name,
  dataJson: JSON.stringify(data),
  opts: resolveJobOptions(options, RETRY),
  timestamp: Date.now(),
});

const enqueue = (queue: string, job: NewJob) => addJob(upstashFor(env), queueKeys(queue), job);

/** What a user sees of a job through BullMQ. */
const visible = async (queue: Queue, id: string) => {
  const job = await queue.getJob(id);
  if (!job) return undefined;
  return { name: job.name, data: job.data, opts: job.opts, delay: job.delay, priority: job.priority, state: await job.getState() };
};

beforeAll(async () => {
  redis = await RedisServer.start();
  gateway = await UpstashGateway.start({ redisUrl: redis.url, token: TOKEN });
  direct = redis.client();
  env = { UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: TOKEN };
});

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

afterAll(() =>
  teardown(
    () => direct?.disconnect(),
    () => gateway?.close(),
    () => redis?.close(),
  ),
);

describe('edge addJob through @upstash/redis', () => {
  it.each<[string, JobOptions, string]>([
    ['a standard job', {}, 'waiting'],
    ['a delayed job', { delay: 120_000 }, 'delayed'],
    ['a prioritised job', { priority: 5 }, 'prioritized'],
    ['a job with its own id, attempts and backoff', { jobId: 'invoice-9', attempts: 6, backoff: { type: 'exponential', delay: 500, jitter: 0.1 } }, 'waiting'],
  ])('writes %s exactly as Queue.add does', async (_case, options, state) => {
    const edgeQueue = uniqueQueue('edge');
    const twinQueue = uniqueQueue('twin');
    const data = { to: 'a@example.com', items: [1, 2, 3], note: 'ünïcode ✓' };

    const added = await enqueue(edgeQueue, newJob('send', data, options));
    const twin = await bullQueue(twinQueue).add('send', data, resolveJobOptions(options, RETRY));

    expect(added.created).toBe(true);
    const ours = await visible(bullQueue(edgeQueue), added.jobId);
    expect(ours).toEqual(await visible(bullQueue(twinQueue), twin.id as string));
    expect(ours?.state).toBe(state);
    const counts = await bullQueue(edgeQueue).getJobCounts('waiting', 'delayed', 'prioritized');
    expect(counts[state as keyof typeof counts]).toBe(1);
  });

  it('numbers jobs without an id the way BullMQ does, sharing the counter with Queue.add', async () => {
    const queue = uniqueQueue('ids');
    const first = await enqueue(queue, newJob('a', {}));
    const viaBullmq = await bullQueue(queue).add('b', {});
    const third = await enqueue(queue, newJob('c', {}));
    expect([first.jobId, viaBullmq.id, third.jobId]).toEqual(['1', '2', '3']);
  });

  it('returns the existing job for a taken jobId, reports it as not created, and keeps the first data', async () => {
    const queue = uniqueQueue('dedup');
    const first = await enqueue(queue, newJob('send', { v: 1 }, { jobId: 'once' }));
    const second = await enqueue(queue, newJob('send', { v: 2 }, { jobId: 'once' }));
    expect(first).toEqual({ jobId: 'once', created: true });
    expect(second).toEqual({ jobId: 'once', created: false });
    expect((await bullQueue(queue).getJob('once'))?.data).toEqual({ v: 1 });
    expect(await bullQueue(queue).getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('still works after Redis forgets its scripts (SCRIPT FLUSH)', async () => {
    const queue = uniqueQueue('flush');
    await enqueue(queue, newJob('a', {}));
    await direct.script('FLUSH');
    expect((await enqueue(queue, newJob('b', {}))).created).toBe(true);
    await direct.script('FLUSH');
    expect(await enqueue(queue, newJob('c', {}, { jobId: 'custom' }))).toEqual({ jobId: 'custom', created: true });
    expect(await bullQueue(queue).getJobCounts('waiting')).toEqual({ waiting: 3 });
  });

  it('makes jobs a plain BullMQ Worker processes, retrying per the stored options', async () => {
    const queue = uniqueQueue('worker');
    const { jobId } = await enqueue(queue, newJob('square', { n: 7 }, { attempts: 2, backoff: 10 }));
    let calls = 0;
    const worker = new Worker(
      queue,
      async (job) => {
        calls++;
        if (calls === 1) throw new Error('transient');
        return { squared: (job.data as { n: number }).n ** 2 };
      },
      { connection: redis.connection },
    );
    cleanups.push(() => worker.close());

    const done = await waitFor(async () => ((await bullQueue(queue).getJobState(jobId)) === 'completed' ? bullQueue(queue).getJob(jobId) : undefined), {
      what: 'the job to complete',
    });
    expect(done.returnvalue).toEqual({ squared: 49 });
    expect(done.attemptsMade).toBe(2);
  });

  it('reads queue depth the way BullMQ counts it', async () => {
    const queue = uniqueQueue('depth');
    const other = uniqueQueue('empty');
    const worker = new Worker(queue, null, { connection: redis.connection, autorun: false });
    cleanups.push(() => worker.close());
    await enqueue(queue, newJob('fails', {}, { attempts: 1 }));
    const failing = await worker.getNextJob('token-1');
    await failing?.moveToFailed(new Error('failed on purpose'), 'token-1', false);
    await enqueue(queue, newJob('w', {}));
    await enqueue(queue, newJob('w', {}));
    await enqueue(queue, newJob('p', {}, { priority: 2 }));
    await enqueue(queue, newJob('d', {}, { delay: 60_000 }));
    await worker.getNextJob('token-2');

    const bull = await bullQueue(queue).getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    const result = await queueDepthsFor(env, [queue, other]);
    expect(result).toEqual({
      depths: {
        [queue]: { waiting: bull.waiting + bull.prioritized, active: bull.active, delayed: bull.delayed, failed: bull.failed },
        [other]: { waiting: 0, active: 0, delayed: 0, failed: 0 },
      },
    });
    expect(bull).toEqual({ waiting: 1, prioritized: 1, active: 1, delayed: 1, failed: 1 });
  });

  it('says why depth cannot be read, without the token', async () => {
    expect(await queueDepthsFor({}, ['q'])).toEqual({ error: 'the edge has no UPSTASH_REDIS_REST_URL / UPSTASH_REDIS_REST_TOKEN secret set' });
    const wrongToken = await queueDepthsFor({ UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: 'not-the-token' }, ['q']);
    expect(wrongToken).toEqual({ error: expect.stringContaining('WRONGPASS') });
    expect(JSON.stringify(wrongToken)).not.toContain('not-the-token');
  });
});
