// The bridge image as an operator runs it: podman, host networking, against a private Redis, the
// real edge (as npm start runs it) and a feature stub on 127.0.0.1. `npm run container:test` builds the
// image first (scripts/container-build.sh); this file only runs it.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BridgeWorkerStatus } from '../../src/protocol.ts';
import { bridgeEnv, type Env } from '../support/bridge.ts';
import { imageNodeFlags } from '../support/image-entrypoint.ts';
import { freePort } from '../../scripts/free-port.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { teardown } from '../support/teardown.ts';
import { waitFor } from '../support/wait.ts';
import { envByName, IMAGE, podman, podmanOk, RUN_FLAGS } from './podman.ts';

/** What the README and the design card size a bridge for. */
const IDLE_QUEUES = 38;
const GRACE_MS = 10_000;
/** podman stop's deadline before SIGKILL: the grace period plus slack, as the README advises. */
const STOP_TIMEOUT_S = GRACE_MS / 1000 + 10;
const IN_FLIGHT_CALL_MS = 3_000;
/** A configuration error is reported before any connection is tried: no retry loop, no waiting. */
const CONFIG_ERROR_EXIT_MS = 10_000;
const MIB = 1024 * 1024;
const PODMAN_LOG_LINE = /^time="[^"]+" level=\w+ msg=/;

let stack: TestStack;
let env: Env;
let bridgeUrl: string;
const name = `qw-bridge-test-${randomUUID().slice(0, 8)}`;
const queues: Queue[] = [];

beforeAll(async () => {
  await podmanOk(['image', 'exists', IMAGE]).catch((error: unknown) => {
    throw new Error(`${IMAGE} is not built: run npm run container:test (it builds the image first)`, { cause: error });
  });
  stack = await TestStack.start();
  const port = await freePort();
  bridgeUrl = `http://127.0.0.1:${port}`;
  env = bridgeEnv(stack.edge.url, stack.redis.port, { PORT: String(port), LOG_LEVEL: 'info', BRIDGE_SHUTDOWN_GRACE_MS: String(GRACE_MS) });
  await podmanOk(['run', '--detach', '--name', name, ...RUN_FLAGS, ...envByName(env), IMAGE], env);
});

afterAll(async () => {
  await teardown(
    () => podman(['rm', '--force', '--time', '0', name]),
    () => Promise.all(queues.map((queue) => queue.close())),
    () => stack?.close(),
  );
});

const registerQueue = async (label: string): Promise<Queue> => {
  const queue = new Queue(await stack.register(label), { connection: stack.connection });
  queues.push(queue);
  return queue;
};

const runningWorkers = async (): Promise<BridgeWorkerStatus[]> => {
  const { workers } = (await (await fetch(`${bridgeUrl}/internal/status`)).json()) as { workers: BridgeWorkerStatus[] };
  return workers.filter((worker) => worker.running);
};

const containerState = async (): Promise<{ status: string; exitCode: number; pid: number }> =>
  JSON.parse(await podmanOk(['inspect', '--format', '{"status":"{{.State.Status}}","exitCode":{{.State.ExitCode}},"pid":{{.State.Pid}}}', name]));

it('becomes healthy: the image’s HEALTHCHECK passes once Redis and the edge answer', async () => {
  await waitFor(async () => (await podman(['healthcheck', 'run', name])).code === 0, { timeoutMs: 60_000, what: `podman healthcheck run ${name}` });
  const health = await (await fetch(`${bridgeUrl}/health`)).json();
  expect(health).toMatchObject({ status: 'ok', dependencies: [{ name: 'redis', status: 'up' }, { name: 'edge', status: 'up' }] });
});

it('runs as the non-root node user, with node itself as PID 1 (exec form: it receives SIGTERM)', async () => {
  const [header, ...processes] = (await podmanOk(['top', name, 'user', 'pid', 'args'])).split('\n');
  expect(header.split(/\s+/)).toEqual(['USER', 'PID', 'COMMAND']);
  expect(processes.map((line) => line.trim().split(/\s+/))).toContainEqual(['node', '1', 'node', ...imageNodeFlags(), 'dist/bridge/main.mjs']);
  expect(await podmanOk(['exec', name, 'id', '-u'])).toBe('1000');
});

it(`serves ${IDLE_QUEUES} idle queues, and reports the image size and the container's RSS`, async () => {
  await Promise.all(Array.from({ length: IDLE_QUEUES }, (_, i) => registerQueue(`idle-${i}`)));
  await waitFor(async () => (await runningWorkers()).length === IDLE_QUEUES, { timeoutMs: 30_000, what: `${IDLE_QUEUES} running workers` });

  const { pid } = await containerState();
  const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  const imageBytes = Number(await podmanOk(['image', 'inspect', '--format', '{{.Size}}', IMAGE]));
  console.log(`bridge image ${IMAGE}: ${(imageBytes / MIB).toFixed(0)} MiB; container RSS with ${IDLE_QUEUES} idle queues: ${(rssKb / 1024).toFixed(0)} MiB`);
  expect(rssKb).toBeGreaterThan(0);
});

it('a plain BullMQ job completes through the container', async () => {
  const queue = await registerQueue('plain');
  stack.stub.script(queue.name, [{ body: { success: true, result: { sent: true } } }]);
  await waitFor(async () => (await runningWorkers()).some((worker) => worker.queue === queue.name), { what: 'the worker for the new queue' });

  const job = await queue.add('send', { to: 'someone@example.com' });
  const [done] = await finishedJobs(queue, [job.id!]);
  expect(await done.getState()).toBe('completed');
  expect(done.returnvalue).toEqual({ sent: true });
});

it('podman stop (SIGTERM) lets the in-flight job finish and exits 0 within the grace period', async () => {
  const queue = await registerQueue('drain');
  stack.stub.script(queue.name, [{ delayMs: IN_FLIGHT_CALL_MS, body: { success: true, result: 'drained' } }]);
  await waitFor(async () => (await runningWorkers()).some((worker) => worker.queue === queue.name), { what: 'the worker for the new queue' });
  const job = await queue.add('long', {});
  await waitFor(() => stack.stub.requests(queue.name).length === 1, { what: 'the call to start' });

  const stoppingAt = Date.now();
  await podmanOk(['stop', '--time', String(STOP_TIMEOUT_S), name]);
  const stopMs = Date.now() - stoppingAt;

  const logs = await podman(['logs', name]);
  expect(await containerState(), logs.stdout + logs.stderr).toMatchObject({ status: 'exited', exitCode: 0 });
  expect(stopMs).toBeLessThan(GRACE_MS);
  const stored = await Job.fromId(queue, job.id!);
  expect(await stored?.getState()).toBe('completed');
  expect(stored?.returnvalue).toBe('drained');
  expect(stack.stub.requests(queue.name)).toHaveLength(1);
});

it('without EDGE_URL the container exits at once with code 1 and the one message naming it', async () => {
  const { EDGE_URL: _missing, ...withoutEdge } = env;
  const startedAt = Date.now();
  const result = await podman(['run', '--rm', ...RUN_FLAGS, ...envByName(withoutEdge), IMAGE], withoutEdge);

  expect(Date.now() - startedAt).toBeLessThan(CONFIG_ERROR_EXIT_MS);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  // podman's own log lines (without systemd it cannot schedule the HEALTHCHECK) are not the container's.
  const containerLines = result.stderr.trim().split('\n').filter((line) => !PODMAN_LOG_LINE.test(line));
  expect(containerLines).toEqual(['invalid bridge configuration:', '  - EDGE_URL is required (the edge Worker, e.g. http://127.0.0.1:8787)']);
});
