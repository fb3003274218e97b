// The bridge as its image runs it: `npm run build:bridge`'s bundle, started with the Dockerfile's
// Node flags, against real Redis, the real edge and a feature stub. The bundle leaves bull-board and
// the OpenAPI generator in chunks read on first use (memory at rest, issue 13); each must still
// answer then, bull-board with its page files found from the chunk's place on disk.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeWorkerStatus } from '../../src/protocol.ts';
import { bridgeEnv, BridgeProcess } from '../support/bridge.ts';
import { ConsoleClient, send } from '../support/console.ts';
import { imageNodeFlags } from '../support/image-entrypoint.ts';
import { OPS_ENV, OPS_READ_TOKEN } from '../support/ops.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { teardown } from '../support/teardown.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'bridge', 'main.mjs');
const BUILD_TIMEOUT_MS = 60_000;

let stack: TestStack;
let bridge: BridgeProcess;
let queue: Queue;

const status = async (): Promise<{ workers: BridgeWorkerStatus[] }> => (await fetch(`${bridge.url}/internal/status`)).json() as Promise<{ workers: BridgeWorkerStatus[] }>;

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-bridge.ts')], { stdio: 'inherit', timeout: BUILD_TIMEOUT_MS });
  stack = await TestStack.start();
  bridge = await BridgeProcess.start(bridgeEnv(stack.edge.url, stack.redis.port, OPS_ENV), BUNDLE, imageNodeFlags());
  queue = await stack.registerRunning('bundle', {}, { status });
}, BUILD_TIMEOUT_MS * 2);

afterAll(async () => {
  await teardown(
    () => bridge?.stop(),
    () => stack?.close(),
  );
});

it('runs a job through the edge to the feature', async () => {
  const job = await queue.add('bundled', { n: 1 });
  const [finished] = await finishedJobs(queue, [job.id!]);
  expect(await finished.getState()).toBe('completed');
});

describe('what it loads on first use', () => {
  it('serves its OpenAPI document and the reference page', async () => {
    const document = await send(`${bridge.url}/openapi.json`);
    expect(document.status).toBe(200);
    const parsed = JSON.parse(document.text) as { openapi: string; info: { title: string }; paths: Record<string, unknown> };
    expect(parsed).toMatchObject({ openapi: '3.1.0', info: { title: 'Queue Worker bridge' } });
    expect(Object.keys(parsed.paths)).toEqual(expect.arrayContaining(['/health', '/metrics', '/ops/queues', '/openapi.json', '/ui/login']));
    const page = await send(`${bridge.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Queue Worker bridge');
  });

  it('serves bull-board: its page, its static files and its API on the queue', async () => {
    const session = await ConsoleClient.login(bridge.url, OPS_READ_TOKEN);
    const page = await session.request('/ui');
    expect(page.status).toBe(200);
    const script = /<script[^>]+src="([^"]+\.js)"/.exec(page.text)?.[1];
    expect(script, 'bull-board page names its script').toBeDefined();
    const asset = await session.request(new URL(script!, `${bridge.url}/ui/`).pathname);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const api = JSON.parse((await session.request('/ui/api/queues')).text) as { queues: { name: string }[] };
    expect(api.queues.map((q) => q.name)).toContain(queue.name);
  });

  it('serves /metrics with the job counted and the process figures', async () => {
    const metrics = await fetch(`${bridge.url}/metrics`, { headers: { Authorization: `Bearer ${OPS_READ_TOKEN}` } });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain(`queue_worker_jobs_total{queue="${queue.name}",outcome="completed"} 1`);
    expect(text).toContain('process_resident_memory_bytes');
  });
});
