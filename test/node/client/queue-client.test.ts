// The Node producer client against a real Redis; what it made is read back with BullMQ itself.

import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { MAX_JOB_DATA_BYTES, QueueClient, QueueClientError, type RegistrationLike } from '../../../src/client/index.ts';
import { traceMetadata } from '../../../src/tracing/traceparent.ts';
import { RedisServer } from '../../support/redis.ts';
import { TRACE_METADATA } from '../../support/trace-patterns.ts';

const retry = (attempts: number, delayMs: number) => ({
  attempts,
  backoff: { type: 'exponential' as const, delayMs, maxDelayMs: 60_000, jitter: 0.2 },
});

let redis: RedisServer;
let direct: Redis;
const cleanups: (() => Promise<unknown>)[] = [];
let queueCounter = 0;

const uniqueQueue = (label: string) => `client-${label}-${++queueCounter}`;

/** A BullMQ Queue to read what the client made; closed after the test. */
const reader = (name: string) => {
  const queue = new Queue(name, { connection: redis.connection });
  cleanups.push(() => queue.close());
  return queue;
};

const clientFor = (registrations?: RegistrationLike[]) => {
  const client = new QueueClient({ connection: redis.connection, registrations });
  cleanups.push(() => client.close());
  return client;
};

const keysOf = (queue: string) => direct.keys(`bull:${queue}:*`);

const refusal = async (promise: Promise<unknown>): Promise<QueueClientError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(QueueClientError);
  return error as QueueClientError;
};

beforeAll(async () => {
  redis = await RedisServer.start();
  direct = redis.client();
});

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

afterAll(async () => {
  direct?.disconnect();
  await redis?.close();
});

/** `levels` arrays, one inside the other. */
const nested = (levels: number): unknown => {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

describe('QueueClient', () => {
  it('adds a BullMQ job whose omitted attempts and backoff come from the queue registration', async () => {
    const queue = uniqueQueue('email');
    const client = clientFor([{ name: queue, retry: retry(5, 2_000) }]);

    const id = await client.addJob(queue, { to: 'a@example.com', template: 'welcome' });

    const job = await reader(queue).getJob(id);
    expect(job?.name).toBe(queue);
    expect(job?.data).toEqual({ to: 'a@example.com', template: 'welcome' });
    // Backoff follows the registration's current policy, resolved by the bridge's Worker.
    expect(job?.opts).toEqual({ attempts: 5, backoff: { type: 'registration' }, telemetry: { metadata: expect.stringMatching(TRACE_METADATA) } });
    expect(await reader(queue).getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('lets the producer override the registration, with a number backoff meaning a fixed delay', async () => {
    const queue = uniqueQueue('override');
    const client = clientFor([{ name: queue, retry: retry(5, 2_000) }]);

    const id = await client.addJob(queue, { n: 1 }, { name: 'resend', attempts: 2, backoff: 750 });

    const job = await reader(queue).getJob(id);
    expect(job?.name).toBe('resend');
    expect(job?.opts).toEqual({ attempts: 2, backoff: { type: 'fixed', delay: 750 }, telemetry: { metadata: expect.stringMatching(TRACE_METADATA) } });
  });

  it("keeps the producer's traceparent in BullMQ's opts.telemetry, starts a trace per job without one, and refuses a malformed one", async () => {
    const queue = uniqueQueue('traced');
    const client = clientFor();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    const given = await client.addJob(queue, {}, { traceparent });
    const [first, second] = await client.addJobs(queue, [{ data: {} }, { data: {} }]);

    const metadata = async (id: string) => (await reader(queue).getJob(id))?.opts.telemetry?.metadata;
    expect(await metadata(given)).toBe(traceMetadata(traceparent));
    const started = [await metadata(first), await metadata(second)];
    expect(started).toEqual([expect.stringMatching(TRACE_METADATA), expect.stringMatching(TRACE_METADATA)]);
    expect(started[0]).not.toBe(started[1]);
    const refused = await refusal(client.addJob(queue, {}, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7' }));
    expect(refused).toMatchObject({ code: 'invalid_options', details: [{ field: 'opts.traceparent', message: expect.stringContaining('W3C traceparent') }] });
  });

  it('keeps BullMQ semantics: a custom jobId dedups, delay delays, priority prioritises', async () => {
    const queue = uniqueQueue('semantics');
    const client = clientFor();
    const bull = reader(queue);

    const first = await client.addJob(queue, { v: 'first' }, { jobId: 'order-17' });
    const again = await client.addJob(queue, { v: 'second' }, { jobId: 'order-17' });
    expect(first).toBe('order-17');
    expect(again).toBe('order-17');
    expect((await bull.getJob('order-17'))?.data).toEqual({ v: 'first' });

    const delayed = await client.addJob(queue, { v: 'later' }, { delay: 60_000 });
    const prioritised = await client.addJob(queue, { v: 'urgent' }, { priority: 3 });
    expect(await bull.getJobState(delayed)).toBe('delayed');
    expect((await bull.getJob(delayed))?.delay).toBe(60_000);
    expect(await bull.getJobState(prioritised)).toBe('prioritized');
    expect((await bull.getJob(prioritised))?.priority).toBe(3);
    expect(await bull.getJobCounts('waiting', 'delayed', 'prioritized')).toEqual({ waiting: 1, delayed: 1, prioritized: 1 });
  });

  it('without registrations accepts any valid queue and leaves retries to the bridge', async () => {
    const queue = uniqueQueue('open');
    const id = await clientFor().addJob(queue, { ok: true });
    expect((await reader(queue).getJob(id))?.opts).toEqual({ attempts: 0, telemetry: { metadata: expect.stringMatching(TRACE_METADATA) } });
  });

  it('asks a registration lookup function per add', async () => {
    const queue = uniqueQueue('lookup');
    const asked: string[] = [];
    const client = new QueueClient({
      connection: redis.connection,
      registrations: async (name) => {
        asked.push(name);
        return name === queue ? { name, retry: retry(4, 100) } : undefined;
      },
    });
    cleanups.push(() => client.close());

    const id = await client.addJob(queue, {});
    expect((await reader(queue).getJob(id))?.opts.attempts).toBe(4);
    expect((await refusal(client.addJob('other', {}))).code).toBe('unknown_queue');
    expect(asked).toEqual([queue, 'other']);
  });

  it('adds jobs in bulk, and none of them when one is refused', async () => {
    const queue = uniqueQueue('bulk');
    const client = clientFor([{ name: queue, retry: retry(3, 1_000) }]);
    const bull = reader(queue);

    const ids = await client.addJobs(queue, [{ data: { n: 1 } }, { data: { n: 2 }, opts: { jobId: 'two' } }, { data: { n: 3 }, opts: { delay: 5_000 } }]);
    expect(ids).toHaveLength(3);
    expect(ids[1]).toBe('two');
    const jobs = await Promise.all(ids.map((id) => bull.getJob(id)));
    expect(jobs.map((job) => job?.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await bull.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 2, delayed: 1 });

    const error = await refusal(client.addJobs(queue, [{ data: { n: 4 } }, { data: { n: 5 }, opts: { priority: 1.5 } }]));
    expect(error.code).toBe('invalid_options');
    expect(error.message).toBe('job 1: opts.priority must be an integer');
    expect(await bull.getJobCounts('waiting', 'prioritized')).toEqual({ waiting: 2, prioritized: 0 });
    expect(await client.addJobs(queue, [])).toEqual([]);
  });

  it('takes data nested exactly 64 levels', async () => {
    const queue = uniqueQueue('deep-ok');
    const [id] = await clientFor().addJobs(queue, [{ data: nested(64) }]);
    expect((await reader(queue).getJob(id))?.data).toEqual(nested(64));
  });

  describe('refuses bad input before anything reaches Redis', () => {
    it.each([
      ['an invalid queue name', 'Email Queue!', {}, undefined, 'invalid_queue_name'],
      ['a queue missing from the registrations', 'unregistered', {}, undefined, 'unknown_queue'],
      ['data with a cycle', 'known', (() => { const a: Record<string, unknown> = {}; a.self = a; return a; })(), undefined, 'unserialisable_data'],
      ['a BigInt', 'known', { amount: 10n }, undefined, 'unserialisable_data'],
      ['undefined data', 'known', undefined, undefined, 'unserialisable_data'],
      ['data over the size limit', 'known', { blob: 'x'.repeat(MAX_JOB_DATA_BYTES) }, undefined, 'data_too_large'],
      ['an integer jobId', 'known', {}, { jobId: '42' }, 'invalid_options'],
      ['a jobId with a colon', 'known', {}, { jobId: 'a:b' }, 'invalid_options'],
      ['a negative delay', 'known', {}, { delay: -1 }, 'invalid_options'],
      ['a priority above BullMQ’s limit', 'known', {}, { priority: 2 ** 21 }, 'invalid_options'],
      ['an unknown backoff type', 'known', {}, { backoff: { type: 'linear', delay: 10 } }, 'invalid_options'],
      ['an option the client does not know', 'known', {}, { lifo: true }, 'invalid_options'],
      ['an empty job name', 'known', {}, { name: '' }, 'invalid_options'],
      // Issue 11: ids that are BullMQ's own key names break the whole queue ('wait' becomes a hash).
      ["jobId 'wait' (a BullMQ key name)", 'known', {}, { jobId: 'wait' }, 'invalid_options'],
      ["jobId 'completed' (a BullMQ key name)", 'known', {}, { jobId: 'completed' }, 'invalid_options'],
      ["jobId 'meta' (a BullMQ key name)", 'known', {}, { jobId: 'meta' }, 'invalid_options'],
      ["jobId 'stalled-check' (a BullMQ key name)", 'known', {}, { jobId: 'stalled-check' }, 'invalid_options'],
      ['a jobId with NUL', 'known', {}, { jobId: 'a\u0000b' }, 'invalid_options'],
      ['a jobId with CR/LF', 'known', {}, { jobId: 'a\r\nX-Evil: 1' }, 'invalid_options'],
      ['a 300-character jobId', 'known', {}, { jobId: 'x'.repeat(300) }, 'invalid_options'],
      ['data nested 65 levels', 'known', nested(65), undefined, 'unserialisable_data'],
      ['data nested 5,377 levels', 'known', nested(5_377), undefined, 'unserialisable_data'],
      ['NaN in data', 'known', { amount: Number.NaN }, undefined, 'unserialisable_data'],
      ['Infinity in data', 'known', { list: [1, Number.POSITIVE_INFINITY] }, undefined, 'unserialisable_data'],
    ])('%s', async (_case, queueSuffix, data, opts, code) => {
      const known = uniqueQueue('known');
      const queue = queueSuffix === 'known' ? known : queueSuffix;
      const client = clientFor([{ name: known, retry: retry(3, 1_000) }]);
      // @ts-expect-error bad input on purpose
      const error = await refusal(client.addJob(queue, data, opts));
      expect(error.code).toBe(code);
      expect(await keysOf(queue)).toEqual([]);
    });

    it('names every bad field', async () => {
      const queue = uniqueQueue('fields');
      // @ts-expect-error bad input on purpose
      const error = await refusal(clientFor().addJob(queue, {}, { jobId: '7', delay: 1.5, backoff: { type: 'fixed', delay: -5, extra: 1 } }));
      expect(error.details?.map((d) => d.field)).toEqual(['opts.jobId', 'opts.delay', 'opts.backoff.extra', 'opts.backoff.delay']);
    });
  });

  it('closes idempotently, refuses adds afterwards, and leaves a shared connection open', async () => {
    const shared = redis.client();
    cleanups.push(async () => shared.disconnect());
    const client = new QueueClient({ connection: shared });
    const queue = uniqueQueue('close');
    await client.addJob(queue, { n: 1 });

    await Promise.all([client.close(), client.close()]);
    await client.close();
    expect((await refusal(client.addJob(queue, { n: 2 }))).code).toBe('closed');
    expect(await shared.ping()).toBe('PONG');

    const owned = new QueueClient({ connection: redis.url });
    await owned.addJob(queue, { n: 3 });
    await owned.close();
    expect(await reader(queue).getJobCounts('waiting')).toEqual({ waiting: 2 });
  });

  it('types job data per declared queue', () => {
    interface Queues {
      email: { to: string };
      analytics: { event: string; at: number };
    }
    // Compile-time only: never called.
    const typeOnly = (client: QueueClient<Queues>) => {
      expectTypeOf(client.addJob<'email'>).parameter(1).toEqualTypeOf<{ to: string }>();
      // @ts-expect-error wrong data for the queue
      void client.addJob('email', { event: 'x' });
      // @ts-expect-error undeclared queue
      void client.addJob('payments', {});
    };
    expect(typeOnly).toBeTypeOf('function');
  });
});
