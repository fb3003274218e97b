// POST /queues/:name/jobs on the real edge in workerd (wrangler dev), writing through the Upstash
// REST gateway into a real Redis; what it made is read back with BullMQ.

import { Queue, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueClient } from '../../src/client/index.ts';
import { EdgeQueueClient, EdgeQueueError } from '../../src/edge-client/index.ts';
import { MAX_JOB_DATA_BYTES } from '../../src/jobs/limits.ts';
import { MAX_JOB_BODY_BYTES, type Registration } from '../../src/protocol.ts';
import { startTraceparent, traceMetadata } from '../../src/tracing/traceparent.ts';
import { EdgeServer } from '../support/edge.ts';
import { bodyExamples, type OpenApiDocument } from '../support/openapi.ts';
import { openApi31Errors } from '../support/openapi-validator.ts';
import { RedisServer } from '../support/redis.ts';
import { teardown } from '../support/teardown.ts';
import { UpstashGateway } from '../../scripts/upstash-gateway.ts';
import { TRACE_METADATA, TRACEPARENT } from '../support/trace-patterns.ts';
import { waitFor } from '../support/wait.ts';

const PRODUCER_TOKEN = 'e2e-producer-token';
const UPSTASH_TOKEN = 'e2e-upstash-token';

let redis: RedisServer;
let gateway: UpstashGateway;
let edge: EdgeServer;
let producer: EdgeQueueClient;
let queueCounter = 0;
const cleanups: (() => Promise<unknown>)[] = [];

const register = async (label: string, attempts = 4): Promise<Registration> =>
  edge.putRegistration(`enqueue-${label}-${++queueCounter}`, { endpoint: 'http://127.0.0.1:9', retry: { attempts } });

const bullQueue = (name: string) => {
  const queue = new Queue(name, { connection: redis.connection });
  cleanups.push(() => queue.close());
  return queue;
};

const post = (queue: string, body: unknown, { token = PRODUCER_TOKEN, contentType = 'application/json' } = {}) =>
  fetch(`${edge.url}/queues/${queue}/jobs`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, any> });

beforeAll(async () => {
  redis = await RedisServer.start();
  gateway = await UpstashGateway.start({ redisUrl: redis.url, token: UPSTASH_TOKEN });
  edge = await EdgeServer.start({
    vars: { PRODUCER_TOKEN, UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: UPSTASH_TOKEN },
  });
  producer = new EdgeQueueClient({ url: edge.url, token: PRODUCER_TOKEN });
});

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

afterAll(() =>
  teardown(
    () => edge?.close(),
    () => gateway?.close(),
    () => redis?.close(),
  ),
);

describe('GET /internal/status', () => {
  it('shows each queue\'s backlog read from Redis, with no bridge running', async () => {
    const registration = await register('depth');
    await producer.addJob(registration.name, { n: 1 });
    await producer.addJob(registration.name, { n: 2 }, { delay: 60_000 });
    const response = await fetch(`${edge.url}/internal/status`, { headers: { Authorization: `Bearer ${edge.adminToken}` } });
    const status = (await response.json()) as { queues: { name: string; depth: unknown }[] };
    expect(status.queues.find((q) => q.name === registration.name)?.depth).toEqual({ waiting: 1, active: 0, delayed: 1, failed: 0 });
  });
});

describe('the OpenAPI document the edge serves', () => {
  it('is valid OpenAPI 3.1, and its producer example, sent as it stands, adds that job to Redis', async () => {
    const document = (await (await fetch(`${edge.url}/openapi.json`)).json()) as OpenApiDocument;
    expect(await openApi31Errors(document)).toEqual([]);
    const example = bodyExamples(document).find((candidate) => candidate.operation === 'POST /queues/{name}/jobs')?.example;
    expect(example).toMatchObject({ data: expect.anything() });
    const { name } = await register('openapi-example');
    const { status, body } = await answer(await post(name, example));
    expect(status).toBe(201);
    const job = await bullQueue(name).getJob(body.jobId);
    expect({ name: job?.name, data: job?.data, attempts: job?.opts.attempts }).toEqual({ name: example?.name, data: example?.data, attempts: (example?.opts as { attempts: number }).attempts });
    expect((await fetch(`${edge.url}/docs`)).headers.get('Content-Type')).toMatch(/^text\/html/);
  });
});

describe('POST /queues/:name/jobs', () => {
  it('makes the same BullMQ job as the Node producer would, visible to Queue.getJob and the counts', async () => {
    const registration = await register('genuine');
    const data = { to: 'a@example.com', template: 'welcome', tags: ['ünïcode ✓'] };

    const traceparent = startTraceparent();
    const viaEdge = await producer.addJob(registration.name, data, { name: 'welcome-mail', traceparent });
    const node = new QueueClient({ connection: redis.connection, registrations: [registration] });
    cleanups.push(() => node.close());
    const viaNode = await node.addJob(registration.name, data, { name: 'welcome-mail', traceparent });

    const queue = bullQueue(registration.name);
    const [edgeJob, nodeJob] = await Promise.all([queue.getJob(viaEdge), queue.getJob(viaNode)]);
    expect(edgeJob?.name).toBe('welcome-mail');
    expect(edgeJob?.data).toEqual(data);
    expect(edgeJob?.opts).toEqual({ attempts: 4, backoff: { type: 'registration' }, telemetry: { metadata: traceMetadata(traceparent) } });
    expect({ name: edgeJob?.name, data: edgeJob?.data, opts: edgeJob?.opts }).toEqual({ name: nodeJob?.name, data: nodeJob?.data, opts: nodeJob?.opts });
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 2 });
  });

  it('answers 201 for a new jobId and 200 with the same id for a duplicate, keeping the first job', async () => {
    const { name } = await register('dedup');
    expect(await answer(await post(name, { data: { v: 1 }, opts: { jobId: 'order-1' } }))).toEqual({ status: 201, body: { jobId: 'order-1', traceparent: expect.stringMatching(TRACEPARENT) } });
    expect(await answer(await post(name, { data: { v: 2 }, opts: { jobId: 'order-1' } }))).toEqual({ status: 200, body: { jobId: 'order-1' } });
    const queue = bullQueue(name);
    expect((await queue.getJob('order-1'))?.data).toEqual({ v: 1 });
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('honours delay and priority, and the producer’s own attempts and backoff', async () => {
    const { name } = await register('kinds');
    const delayed = await producer.addJob(name, { k: 'd' }, { delay: 90_000 });
    const urgent = await producer.addJob(name, { k: 'p' }, { priority: 1, attempts: 2, backoff: { type: 'fixed', delay: 500 } });
    const queue = bullQueue(name);
    expect(await queue.getJobState(delayed)).toBe('delayed');
    expect((await queue.getJob(delayed))?.delay).toBe(90_000);
    expect(await queue.getJobState(urgent)).toBe('prioritized');
    expect((await queue.getJob(urgent))?.opts).toEqual({ attempts: 2, backoff: { type: 'fixed', delay: 500 }, priority: 1, telemetry: { metadata: expect.stringMatching(TRACE_METADATA) } });
    expect(await queue.getJobCounts('delayed', 'prioritized')).toEqual({ delayed: 1, prioritized: 1 });
  });

  it('makes a job a plain BullMQ Worker processes', async () => {
    const { name } = await register('worker');
    const jobId = await producer.addJob(name, { n: 12 });
    const worker = new Worker(name, async (job) => ({ doubled: (job.data as { n: number }).n * 2 }), { connection: redis.connection });
    cleanups.push(() => worker.close());
    const queue = bullQueue(name);
    const done = await waitFor(async () => ((await queue.getJobState(jobId)) === 'completed' ? queue.getJob(jobId) : undefined), { what: 'the job to complete' });
    expect(done.returnvalue).toEqual({ doubled: 24 });
  });

  it('refuses a missing or wrong producer token with 401 and writes nothing', async () => {
    const { name } = await register('auth');
    for (const token of ['', 'wrong-token']) {
      const { status, body } = await answer(await post(name, { data: {} }, { token }));
      expect(status).toBe(401);
      expect(body.error.code).toBe('unauthorized');
    }
    const wrong = new EdgeQueueClient({ url: edge.url, token: 'wrong-token' });
    await expect(wrong.addJob(name, {})).rejects.toMatchObject({ name: 'EdgeQueueError', status: 401 });
    expect(await bullQueue(name).getJobCounts('waiting')).toEqual({ waiting: 0 });
  });

  it('answers 404 for a queue that is not registered, and 400 for a name that cannot be one', async () => {
    const missing = await answer(await post('not-registered', { data: {} }));
    expect(missing).toEqual({ status: 404, body: { error: { code: 'not_found', message: "queue 'not-registered' is not registered" } } });
    const invalid = await answer(await post('Not_A_Queue!', { data: {} }));
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details).toEqual([expect.objectContaining({ field: 'queue' })]);
  });

  it('answers 400 naming every bad field', async () => {
    const { name } = await register('fields');
    const { status, body } = await answer(await post(name, { name: '', extra: 1, opts: { jobId: '12', delay: -5, priority: 1.5, backoff: { type: 'linear', delay: 1 } } }));
    expect(status).toBe(400);
    expect(body.error.details.map((d: { field: string }) => d.field)).toEqual([
      'extra',
      'name',
      'data',
      'opts.jobId',
      'opts.delay',
      'opts.priority',
      'opts.backoff.type',
    ]);
    expect((await answer(await post(name, 'not json'))).status).toBe(400);
    expect((await answer(await post(name, { data: {} }, { contentType: 'text/plain' }))).status).toBe(415);
    await expect(producer.addJob(name, {}, { attempts: 0 })).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
  });

  describe('refuses jobs that could never be dispatched, writing nothing (issue 11)', () => {
    const nothingWritten = async (name: string) => {
      const client = redis.client();
      try {
        expect(await client.keys(`bull:${name}:*`)).toEqual([]);
      } finally {
        client.disconnect();
      }
    };

    it.each(['wait', 'completed', 'meta'])("jobId '%s', one of BullMQ's own key names: 400, and the queue still works", async (jobId) => {
      const { name } = await register(`key-${jobId}`);
      const refused = await answer(await post(name, { data: {}, opts: { jobId } }));
      expect(refused.status).toBe(400);
      expect(refused.body.error.details).toEqual([expect.objectContaining({ field: 'opts.jobId', message: expect.stringContaining("BullMQ's own key names") })]);
      await nothingWritten(name);
      expect((await answer(await post(name, { data: { after: true } }))).status).toBe(201);
    });

    it.each([
      ['NUL', 'order\u00001'],
      ['CR/LF', 'order\r\n1'],
      ['300 characters', 'o'.repeat(300)],
    ])('a jobId with %s: 400 naming opts.jobId', async (_case, jobId) => {
      const { name } = await register('bad-id');
      const refused = await answer(await post(name, { data: {}, opts: { jobId } }));
      expect(refused.status).toBe(400);
      expect(refused.body.error.details[0].field).toBe('opts.jobId');
      await nothingWritten(name);
    });

    it.each([
      ['1e400', '{"data":{"amount":1e400}}', 'data.amount'],
      ['12345678901234567890', '{"data":{"ids":[1,12345678901234567890]}}', 'data.ids[1]'],
    ])('the number %s, which JSON would change: 400 naming where it stands', async (_case, body, field) => {
      const { name } = await register('number');
      const refused = await answer(await post(name, body));
      expect(refused.status).toBe(400);
      expect(refused.body.error.details).toEqual([expect.objectContaining({ field, message: expect.stringContaining('send it as a string') })]);
      await nothingWritten(name);
    });

    it('data nested 5,377 levels (an 11 KB body): 400', async () => {
      const { name } = await register('deep');
      const refused = await answer(await post(name, `{"data":${'['.repeat(5_377)}${']'.repeat(5_377)}}`));
      expect(refused.status).toBe(400);
      await nothingWritten(name);
    });

    it('bytes that are not UTF-8: 400 invalid_encoding', async () => {
      const { name } = await register('utf8');
      const bytes = Buffer.concat([Buffer.from('{"data":{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]);
      const response = await fetch(`${edge.url}/queues/${name}/jobs`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${PRODUCER_TOKEN}`, 'Content-Type': 'application/json' },
        body: bytes,
      });
      expect(await answer(response)).toMatchObject({ status: 400, body: { error: { code: 'invalid_encoding' } } });
      await nothingWritten(name);
    });
  });

  it('answers 413 for a body over the limit, and for data too large to dispatch later', async () => {
    const { name } = await register('large');
    const body = await answer(await post(name, { data: 'x'.repeat(MAX_JOB_BODY_BYTES) }));
    expect(body.status).toBe(413);
    const data = await answer(await post(name, { data: 'x'.repeat(MAX_JOB_DATA_BYTES) }));
    expect(data.status).toBe(413);
    expect(data.body.error.message).toContain(`at most ${MAX_JOB_DATA_BYTES} bytes`);
    expect(await bullQueue(name).getJobCounts('waiting')).toEqual({ waiting: 0 });
  });

  it('answers 503 when Redis cannot be reached, without leaking the token or the data', async () => {
    const { name } = await register('outage');
    const port = Number(new URL(gateway.url).port);
    await gateway.close();
    try {
      const error = await producer.addJob(name, { secret: 'customer-data' }).then(
        () => undefined,
        (e: unknown) => e as EdgeQueueError,
      );
      expect(error).toBeInstanceOf(EdgeQueueError);
      expect(error).toMatchObject({ status: 503, code: 'redis_unavailable' });
      expect(error?.message).not.toContain(UPSTASH_TOKEN);
      expect(error?.message).not.toContain('customer-data');
    } finally {
      gateway = await UpstashGateway.start({ redisUrl: redis.url, token: UPSTASH_TOKEN, port });
    }
    expect(await producer.addJob(name, { back: true })).toBeTruthy();
  });
});
