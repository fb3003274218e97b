// Traces end to end: a producer's W3C traceparent (the Node client's option, the edge route's
// header, or BullMQ's own add span) travels in the job's opts.telemetry through Redis, the bridge
// (which sends its spans to a local OTLP/HTTP receiver) and the edge, to the feature call's
// traceparent header and ctx.traceparent; the bridge's log lines about the job name the trace.

import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../../bridge/bridge.ts';
import { loadConfig } from '../../bridge/config.ts';
import { listen, type HttpServer } from '../../bridge/http-server.ts';
import { createLogger } from '../../bridge/logger.ts';
import { QueueClient } from '../../src/client/index.ts';
import { queueKey } from '../../src/feature-keys.ts';
import { createJobHandler } from '../../src/handler/index.ts';
import { DEFAULT_FEATURE_PATH } from '../../src/protocol.ts';
import { parseTraceparent, startTraceparent, traceparentFromMetadata } from '../../src/tracing/traceparent.ts';
import { bridgeEnv } from '../support/bridge.ts';
import { EdgeServer } from '../support/edge.ts';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { RedisServer } from '../support/redis.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { finishedJobs } from '../support/stack.ts';
import { sleep } from '../support/wait.ts';
import { teardown } from '../support/teardown.ts';
import { UpstashGateway } from '../../scripts/upstash-gateway.ts';

const PRODUCER_TOKEN = 'traces-producer-token';
const UPSTASH_TOKEN = 'traces-upstash-token';
const QUEUE = `traced-${randomUUID().slice(0, 8)}`;
const CONSUMER = 5;
const CLIENT = 3;
const PRODUCER = 4;
/** BullMQ's default drainDelay: how long an idle worker's blocking fetch waits for a job. */
const IDLE_FETCH_MS = 5_000;
const EXPORT_SLACK_MS = 1_000;

interface FeatureCall {
  jobId: string;
  attempt: number;
  header: string | null;
  ctxTraceparent?: string;
  failed: boolean;
}

let redis: RedisServer;
let gateway: UpstashGateway;
let receiver: OtlpReceiver;
let edge: EdgeServer;
let feature: HttpServer;
let bridge: Bridge;
let client: QueueClient;
let queue: Queue;
const calls: FeatureCall[] = [];
const logLines: Record<string, unknown>[] = [];

const traceIdOf = (traceparent: string | null | undefined): string => {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) throw new Error(`not a traceparent: ${traceparent}`);
  return parsed.traceId;
};
const spanIdOf = (traceparent: string | null | undefined): string | undefined => parseTraceparent(traceparent)?.spanId;

const callsOf = (jobId: string) => calls.filter((call) => call.jobId === jobId).sort((a, b) => a.attempt - b.attempt);

/** Every dispatch span is the child of a `process` span and the parent of one feature call. */
const expectChain = (spans: ReceivedSpan[], jobCalls: FeatureCall[]) => {
  const dispatches = spans.filter((span) => span.name === `dispatch ${QUEUE}`);
  const processes = spans.filter((span) => span.name === `process ${QUEUE}`);
  expect(dispatches.map((span) => span.kind)).toEqual(jobCalls.map(() => CLIENT));
  expect(dispatches.map((span) => span.attributes['queue_worker.outcome']).sort()).toEqual(jobCalls.map((call) => (call.failed ? 'failed' : 'completed')).sort());
  expect(processes.every((span) => span.kind === CONSUMER)).toBe(true);
  for (const dispatch of dispatches) expect(processes.map((span) => span.spanId)).toContain(dispatch.parentSpanId);
  expect(jobCalls.map((call) => spanIdOf(call.header)).sort()).toEqual(dispatches.map((span) => span.spanId).sort());
  for (const call of jobCalls) expect(call.ctxTraceparent).toBe(call.header);
};

beforeAll(async () => {
  [redis, receiver] = await Promise.all([RedisServer.start(), OtlpReceiver.start()]);
  gateway = await UpstashGateway.start({ redisUrl: redis.url, token: UPSTASH_TOKEN });
  const handle = createJobHandler<Record<string, { failOnce?: boolean }>>({
    keys: { [QUEUE]: await queueKey(EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET, QUEUE) },
    handlers: {
      [QUEUE]: (data, ctx) => {
        const failed = Boolean(data.failOnce) && ctx.attempt === 1;
        calls.push({ jobId: ctx.jobId, attempt: ctx.attempt, header: ctx.request.headers.get('traceparent'), ctxTraceparent: ctx.traceparent, failed });
        if (failed) throw new Error('first try fails');
        return { ok: true };
      },
    },
  });
  feature = await listen(new Hono().post(DEFAULT_FEATURE_PATH, (c) => handle(c.req.raw)), 0, '127.0.0.1');
  edge = await EdgeServer.start({ vars: { PRODUCER_TOKEN, UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: UPSTASH_TOKEN } });
  await edge.putRegistration(QUEUE, { endpoint: `http://127.0.0.1:${feature.port}`, concurrency: 2, timeoutMs: 5_000, retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 100 } } });
  const config = loadConfig(bridgeEnv(edge.url, redis.port, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100', LOG_LEVEL: 'info' }));
  bridge = new Bridge(config, { logger: createLogger({ level: 'info', format: 'json', write: (line) => logLines.push(JSON.parse(line) as Record<string, unknown>) }) });
  await bridge.start();
  client = new QueueClient({ connection: redis.url });
  queue = new Queue(QUEUE, { connection: redis.connection });
});

afterAll(() =>
  teardown(
    () => client?.close(),
    () => queue?.close(),
    () => bridge?.close(),
    () => edge?.close(),
    () => feature?.close(),
    () => gateway?.close(),
    () => receiver?.close(),
    () => redis?.close(),
  ),
);

describe('one trace from the producer to the feature', () => {
  it("Node client with the producer's traceparent: every try's spans and feature call, and the bridge's log line, in that trace", async () => {
    const producer = startTraceparent();
    const traceId = traceIdOf(producer);

    const jobId = await client.addJob(QUEUE, { failOnce: true }, { traceparent: producer });
    const [job] = await finishedJobs(queue, [jobId]);
    expect(await job.getState()).toBe('completed');

    const jobCalls = callsOf(jobId);
    expect(jobCalls.map((call) => [call.attempt, traceIdOf(call.header)])).toEqual([
      [1, traceId],
      [2, traceId],
    ]);
    const spans = await receiver.trace(traceId, [`process ${QUEUE}`, `process ${QUEUE}`, `dispatch ${QUEUE}`, `dispatch ${QUEUE}`]);
    expect(spans.find((span) => span.name === `process ${QUEUE}`)?.parentSpanId).toBe(spanIdOf(producer));
    expectChain(spans, jobCalls);
    expect(spans.every((span) => span.service === 'queue-worker-bridge')).toBe(true);
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'job attempt failed; will retry', jobId, traceId }));
    expect(receiver.rejected).toEqual([]);
  });

  it("Node client with BullMQ telemetry: BullMQ's add span starts the trace the feature call continues", async () => {
    const traced = new QueueClient({ connection: redis.url, telemetry: new BullMQOtel({ tracerName: 'producer' }) });
    try {
      const jobId = await traced.addJob(QUEUE, {});
      const [job] = await finishedJobs(queue, [jobId]);
      const traceId = traceIdOf(traceparentFromMetadata(job.opts.telemetry?.metadata));

      const spans = await receiver.trace(traceId, [`add ${QUEUE}.${QUEUE}`, `process ${QUEUE}`, `dispatch ${QUEUE}`]);
      const add = spans.find((span) => span.name === `add ${QUEUE}.${QUEUE}`);
      expect(add?.kind).toBe(PRODUCER);
      expect(spans.find((span) => span.name === `process ${QUEUE}`)?.parentSpanId).toBe(add?.spanId);
      expectChain(spans, callsOf(jobId));
    } finally {
      await traced.close();
    }
  });

  it("edge route: the producer's traceparent header, or a trace the edge starts and names in its answer", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${edge.url}/queues/${QUEUE}/jobs`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${PRODUCER_TOKEN}`, 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ data: {} }),
      });
    const producer = startTraceparent();
    const given = await post({ traceparent: producer });
    const started = await post({ traceparent: 'not-a-traceparent' });
    expect([given.status, started.status]).toEqual([201, 201]);
    const givenBody = (await given.json()) as { jobId: string; traceparent: string };
    const startedBody = (await started.json()) as { jobId: string; traceparent: string };
    expect(givenBody.traceparent).toBe(producer);
    expect(traceIdOf(startedBody.traceparent)).not.toBe(traceIdOf(producer));

    await finishedJobs(queue, [givenBody.jobId, startedBody.jobId]);
    for (const { jobId, traceparent } of [givenBody, startedBody]) {
      const traceId = traceIdOf(traceparent);
      const jobCalls = callsOf(jobId);
      expect(jobCalls.map((call) => traceIdOf(call.header))).toEqual([traceId]);
      expectChain(await receiver.trace(traceId, [`process ${QUEUE}`, `dispatch ${QUEUE}`]), jobCalls);
    }
  });

  it("records no trace of an idle worker's housekeeping: every root span is a job's add or process", async () => {
    // Proving an absence takes a wait: past one empty blocking fetch (BullMQ's drain delay) and the
    // export that would follow it.
    await sleep(IDLE_FETCH_MS + EXPORT_SLACK_MS);
    const roots = receiver.spans.filter((span) => span.parentSpanId === '');
    expect(roots.length).toBeGreaterThan(0);
    expect(roots.filter((span) => span.name !== `process ${QUEUE}` && span.name !== `add ${QUEUE}.${QUEUE}`).map((span) => span.name)).toEqual([]);
  });
});
