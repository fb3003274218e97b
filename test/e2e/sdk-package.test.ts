// @lilith/queue as a feature team gets it: built (`npm run build:sdk`), packed (`npm pack`),
// installed from the tarball into a project outside this repository (test/sdk-consumer, so nothing
// resolves from our node_modules), type-checked there in strict mode, and run against a local stack
// (Redis, the Upstash gateway, the edge in wrangler dev, a bridge): (a) a Node feature with Hono,
// (b) a Worker feature under @cloudflare/vitest-plugin, (c) the seed's Node producer call. The
// project's own dependencies are installed once per version set into
// ~/.cache/queue-worker/sdk-consumer-<hash> (npm's cache serves them); the tarball on every run.

import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { buildSdk, SDK_DIR } from '../../scripts/build-sdk.ts';
import { queueKey } from '../../src/feature-keys.ts';
import { PROTOCOL_VERSIONS } from '../../src/protocol-versions.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { CallRelay } from '../support/call-relay.ts';
import { ChildService } from '../../scripts/child-service.ts';
import { EdgeServer } from '../support/edge.ts';
import { freePort } from '../../scripts/free-port.ts';
import { RedisServer } from '../support/redis.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { teardown } from '../support/teardown.ts';
import { UpstashGateway } from '../../scripts/upstash-gateway.ts';
import { waitFor } from '../support/wait.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test', 'sdk-consumer');
const FIXTURE_HASH = createHash('sha256').update(readFileSync(join(FIXTURE, 'package.json'))).digest('hex').slice(0, 12);
const PROJECT = join(homedir(), '.cache', 'queue-worker', `sdk-consumer-${FIXTURE_HASH}`);
const SETUP_DEADLINE_MS = 240_000;
const STEP_DEADLINE_MS = 120_000;
const PRODUCER_TOKEN = 'sdk-producer-token';
const UPSTASH_TOKEN = 'sdk-upstash-token';
const ROOT_PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

let redis: RedisServer;
let gateway: UpstashGateway;
let edge: EdgeServer;
let relay: CallRelay;
let bridge: Bridge;
let feature: ChildService;
let packDir: string;
const children: ChildService[] = [];
const queues: Queue[] = [];

/** Runs a command to its end; its exit code and last lines of output. */
const run = async (command: string, args: string[], { cwd = PROJECT, env = {} }: { cwd?: string; env?: Record<string, string> } = {}) => {
  const child = new ChildService({ command, args, cwd, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', ...env } });
  children.push(child);
  const { code } = await child.exited;
  return { code, output: child.output };
};

const npm = (args: string[]) => run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline']);
/** A tool the consumer project installed, run with this Node. */
const tool = (script: string, args: string[], env?: Record<string, string>) => run(process.execPath, [join(PROJECT, 'node_modules', script), ...args], { env });

const finished = (queueName: string, jobId: string): Promise<Job> => {
  const queue = new Queue(queueName, { connection: redis.connection });
  queues.push(queue);
  return waitFor(async () => {
    const job = await Job.fromId(queue, jobId);
    return job?.finishedOn ? job : undefined;
  }, { timeoutMs: 30_000, what: `job ${jobId} of ${queueName} to finish` });
};

/** The tarball `npm pack` makes of a fresh build. */
const packSdk = async (): Promise<string> => {
  buildSdk();
  packDir = mkdtempSync(join(tmpdir(), 'qw-sdk-pack-'));
  const packed = await run('npm', ['pack', SDK_DIR, '--pack-destination', packDir], { cwd: ROOT });
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.output}`);
  return join(packDir, readdirSync(packDir)[0]);
};

const installConsumer = async (tarball: string): Promise<void> => {
  mkdirSync(PROJECT, { recursive: true });
  cpSync(FIXTURE, PROJECT, { recursive: true });
  if (!existsSync(join(PROJECT, 'node_modules', '.package-lock.json'))) {
    const installed = await npm(['install']);
    if (installed.code !== 0) throw new Error(`npm install in ${PROJECT} failed:\n${installed.output}`);
  }
  rmSync(join(PROJECT, 'node_modules', '@lilith'), { recursive: true, force: true });
  const added = await npm(['install', '--no-save', tarball]);
  if (added.code !== 0) throw new Error(`npm install ${tarball} failed:\n${added.output}`);
};

beforeAll(async () => {
  await installConsumer(await packSdk());
  redis = await RedisServer.start();
  gateway = await UpstashGateway.start({ redisUrl: redis.url, token: UPSTASH_TOKEN });
  [edge, relay] = await Promise.all([
    EdgeServer.start({ vars: { PRODUCER_TOKEN, UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: UPSTASH_TOKEN } }),
    CallRelay.start(),
  ]);
  const featurePort = await freePort();
  feature = new ChildService({
    command: process.execPath,
    args: ['node-feature.ts'],
    cwd: PROJECT,
    env: { ...process.env, PORT: String(featurePort), EMAIL_QUEUE_KEY: await queueKey(EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET, 'email') },
  });
  await feature.waitForHttp(`http://127.0.0.1:${featurePort}/`, 20_000);
  await edge.putRegistration('email', { endpoint: `http://127.0.0.1:${featurePort}`, timeoutMs: 10_000 });
  // One attempt: a failure of the relayed call must show as a failed job, not a silent retry.
  await edge.putRegistration('signup', { endpoint: relay.url, timeoutMs: 60_000, retry: { attempts: 1 } });
  bridge = await startBridge(bridgeEnv(edge.url, redis.connection.port));
  await waitFor(async () => (await bridge.status()).workers.filter((w) => w.running).length === 2, { what: 'workers for email and signup' });
}, SETUP_DEADLINE_MS);

afterAll(() =>
  teardown(
    () => Promise.all(queues.map((queue) => queue.close())),
    () => bridge?.close(),
    () => feature?.stop(),
    () => Promise.all(children.map((child) => child.stop())),
    () => relay?.close(),
    () => edge?.close(),
    () => gateway?.close(),
    () => redis?.close(),
    () => packDir && rmSync(packDir, { recursive: true, force: true }),
  ),
);

describe('the @lilith/queue package', () => {
  it('installs with nothing a Workers feature does not need, and says which protocol versions it speaks', () => {
    const installed = JSON.parse(readFileSync(join(PROJECT, 'node_modules', '@lilith', 'queue', 'package.json'), 'utf8'));
    expect(installed).toMatchObject({ type: 'module', sideEffects: false, dependencies: {}, queueWorker: { protocols: PROTOCOL_VERSIONS } });
    expect(Object.keys(installed.exports)).toEqual(['.', './client', './edge-client', './handler', './package.json']);
    expect(installed.peerDependenciesMeta).toEqual({ bullmq: { optional: true }, ioredis: { optional: true }, zod: { optional: true } });
    expect(PROTOCOL_VERSIONS.bullmq).toBe(Number(ROOT_PACKAGE.dependencies.bullmq.split('.')[0]));
    expect(readFileSync(join(PROJECT, 'node_modules', '@lilith', 'queue', 'README.md'), 'utf8')).toContain('## For feature teams');
    // Only built JavaScript and declarations: Node does not strip types under node_modules.
    expect(readdirSync(join(PROJECT, 'node_modules', '@lilith', 'queue'), { recursive: true }).filter((file) => String(file).endsWith('.ts') && !String(file).endsWith('.d.ts'))).toEqual([]);
  });

  it.each(['tsconfig.json', 'tsconfig.worker.json'])('type-checks the project in strict mode (%s)', async (config) => {
    const checked = await tool('typescript/bin/tsc', ['-p', config]);
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  }, STEP_DEADLINE_MS);

  it("runs the seed's queueService.addJob('email', {...}) through the stack to a Node feature written with Hono", async () => {
    const produced = await run(process.execPath, ['node-producer.ts'], { env: { REDIS_URL: redis.url } });
    expect(produced.code, produced.output).toBe(0);
    const { jobId } = JSON.parse(produced.output) as { jobId: string };
    const job = await finished('email', jobId);
    expect(job.failedReason).toBeUndefined();
    expect(job.returnvalue).toEqual({ sent: 'welcome to user@example.com for Alice', attempt: 1, idempotencyKey: `email:${jobId}`, runtime: `node ${process.version}` });
  }, STEP_DEADLINE_MS);

  it('runs a Worker feature under @cloudflare/vitest-plugin that enqueues through the edge and answers the stack', async () => {
    const tested = await tool('vitest/vitest.mjs', ['run'], {
      QUEUE_EDGE_URL: edge.url,
      PRODUCER_TOKEN,
      SIGNUP_QUEUE_KEY: await queueKey(EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET, 'signup'),
      RELAY_URL: relay.url,
    });
    expect(tested.code, tested.output).toBe(0);
    expect(relay.answered).toHaveLength(1);
    const [{ jobId, status }] = relay.answered;
    expect(status).toBe(200);
    const job = await finished('signup', jobId);
    expect(job.returnvalue).toEqual({ greeting: 'Welcome, Ada', jobId, runtime: 'Cloudflare-Workers' });
  }, STEP_DEADLINE_MS);

  it('bundles into a Worker without BullMQ, ioredis or any Node module', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'qw-sdk-worker-'));
    const built = await tool('wrangler/bin/wrangler.js', ['deploy', '--dry-run', '--outdir', outdir]);
    expect(built.code, built.output).toBe(0);
    const bundle = readFileSync(join(outdir, 'index.js'), 'utf8');
    expect(bundle).not.toMatch(/bullmq|ioredis|from\s*["']node:/);
    console.log(`the Worker feature's bundle: ${(bundle.length / 1024).toFixed(1)} KiB`);
    rmSync(outdir, { recursive: true, force: true });
  }, STEP_DEADLINE_MS);
});
