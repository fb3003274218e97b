// The whole path a feature team relies on: a Worker-hosted producer posts to the edge route →
// Redis (through the Upstash gateway) → the bridge → the edge → a feature API written with
// createJobHandler (served from Node) → the job completes with the feature's result.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { listen, type HttpServer } from '../../bridge/http-server.ts';
import { queueKey } from '../../src/feature-keys.ts';
import { createJobHandler, NonRetryableError, type JobContext } from '../../src/handler/index.ts';
import { DEFAULT_FEATURE_PATH } from '../../src/protocol.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { ChildService } from '../../scripts/child-service.ts';
import { EdgeServer } from '../support/edge.ts';
import { localEdge } from '../../scripts/local-edge.ts';
import { wranglerVars } from '../../scripts/wrangler-dev.ts';
import { RedisServer } from '../support/redis.ts';
import { freePort } from '../../scripts/free-port.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { finishedJobs } from '../support/stack.ts';
import { teardown } from '../support/teardown.ts';
import { UpstashGateway } from '../../scripts/upstash-gateway.ts';

const PRODUCER_TOKEN = 'chain-producer-token';
const UPSTASH_TOKEN = 'chain-upstash-token';
const PRODUCER_ENTRY = fileURLToPath(new URL('../edge/support/producer-worker.ts', import.meta.url));
const READY_DEADLINE_MS = 60_000;

interface WelcomeQueues {
  welcome: { name: string };
  refunds: { orderId: string };
}

let redis: RedisServer;
let gateway: UpstashGateway;
let edge: EdgeServer;
let feature: HttpServer;
let bridge: Bridge;
let producer: { url: string; service: ChildService; dir: string };
const seen: JobContext[] = [];

/** The producer Worker in its own local workerd, with its own minimal config. */
const startProducer = async (edgeUrl: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'qw-producer-'));
  writeFileSync(join(dir, 'wrangler.json'), JSON.stringify({ name: 'producer', main: PRODUCER_ENTRY, compatibility_date: '2026-11-01' }));
  const port = await freePort();
  const args = ['--config', join(dir, 'wrangler.json'), '--port', String(port)];
  const service = new ChildService(localEdge([...args, ...wranglerVars({ EDGE_URL: edgeUrl, PRODUCER_TOKEN })]));
  const url = `http://127.0.0.1:${port}`;
  await service.waitForHttp(url, READY_DEADLINE_MS);
  return { url, service, dir };
};

const produce = async (queue: string, data: unknown) => {
  const response = await fetch(producer.url, { method: 'POST', body: JSON.stringify({ queue, data }) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { jobId: string }).jobId;
};

const register = (label: keyof WelcomeQueues) =>
  // The feature serves fixed queue names, so each is registered once for this file's private edge.
  edge.putRegistration(label, { endpoint: `http://127.0.0.1:${feature.port}`, concurrency: 2, timeoutMs: 5_000, retry: { attempts: 3 } });

beforeAll(async () => {
  redis = await RedisServer.start();
  gateway = await UpstashGateway.start({ redisUrl: redis.url, token: UPSTASH_TOKEN });
  const handle = createJobHandler<WelcomeQueues>({
    keys: {
      welcome: await queueKey(EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET, 'welcome'),
      refunds: await queueKey(EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET, 'refunds'),
    },
    handlers: {
      welcome: (data, ctx) => {
        seen.push(ctx);
        return { greeting: `Hello, ${data.name}!` };
      },
      refunds: (data) => {
        throw new NonRetryableError(`order ${data.orderId} was never paid`);
      },
    },
  });
  feature = await listen(new Hono().post(DEFAULT_FEATURE_PATH, (c) => handle(c.req.raw)), 0, '127.0.0.1');
  edge = await EdgeServer.start({
    vars: { PRODUCER_TOKEN, UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: UPSTASH_TOKEN },
  });
  producer = await startProducer(edge.url);
  await Promise.all([register('welcome'), register('refunds')]);
  bridge = await startBridge(bridgeEnv(edge.url, redis.port));
});

afterAll(() =>
  teardown(
    () => bridge?.close(),
    () => producer?.service.stop(),
    () => producer && rmSync(producer.dir, { recursive: true, force: true }),
    () => edge?.close(),
    () => feature?.close(),
    () => gateway?.close(),
    () => redis?.close(),
  ),
);

describe('Worker producer → edge → Redis → bridge → edge → createJobHandler feature', () => {
  it('completes the job with the feature’s result', async () => {
    const jobId = await produce('welcome', { name: 'Ada' });

    const queue = new Queue('welcome', { connection: redis.connection });
    try {
      const [job] = await finishedJobs(queue, [jobId]);
      expect(job.returnvalue).toEqual({ greeting: 'Hello, Ada!' });
      expect(job.attemptsMade).toBe(1);
      expect(await job.getState()).toBe('completed');
    } finally {
      await queue.close();
    }
    expect(seen).toEqual([expect.objectContaining({ jobId, queueName: 'welcome', attempt: 1, idempotencyKey: `welcome:${jobId}` })]);
  });

  it('fails a job at once when the feature throws NonRetryableError, despite attempts left', async () => {
    const jobId = await produce('refunds', { orderId: 'A-17' });

    const queue = new Queue('refunds', { connection: redis.connection });
    try {
      const [job] = await finishedJobs(queue, [jobId]);
      expect(await job.getState()).toBe('failed');
      expect(job.attemptsMade).toBe(1);
      expect(job.opts.attempts).toBe(3);
      expect(job.failedReason).toContain('order A-17 was never paid');
    } finally {
      await queue.close();
    }
  });
});
