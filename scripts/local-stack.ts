// `npm start`: the whole system on this machine — Redis on 26388 (started here unless one already
// listens), the local Upstash REST gateway the edge enqueues through, the edge in workerd through
// Miniflare (scripts/local-edge-main.ts; local KV and Durable Object state in .wrangler/state, as
// `npm run dev:edge` keeps it), the demo feature API, the bridge, and a
// demo registration. Ctrl-C stops, in reverse order, everything this script started.

import { mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { HttpServer } from '../bridge/http-server.ts';
import { queueKey } from '../src/feature-keys.ts';
import { ChildService } from './child-service.ts';
import { localEdge } from './local-edge.ts';
import { wranglerVars } from './wrangler-dev.ts';
import { UpstashGateway } from './upstash-gateway.ts';
import { DEMO_QUEUE, startDemoFeature } from './demo-feature.ts';
import { INSTALL_REDIS } from './preflight-checks.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';
const PORTS = { redis: 26388, edge: 8787, bridge: 3019, feature: 3020 } as const;
const URLS = {
  redis: `redis://${HOST}:${PORTS.redis}`,
  edge: `http://${HOST}:${PORTS.edge}`,
  bridge: `http://${HOST}:${PORTS.bridge}`,
  feature: `http://${HOST}:${PORTS.feature}`,
};
/**
 * Local-only stand-ins for what an older .dev.vars may not hold; ALLOW_PRIVATE_ENDPOINTS because
 * the demo feature listens on 127.0.0.1.
 */
const LOCAL_DEFAULTS = { PRODUCER_TOKEN: 'local-producer-token', UPSTASH_REDIS_REST_TOKEN: 'local-upstash-token', ALLOW_PRIVATE_ENDPOINTS: 'true' };
/** The bridge's operations tokens for local use only (ARCHITECTURE "Operations"); each ≥ 16 characters. */
const LOCAL_OPS_TOKENS = { OPS_READ_TOKEN: 'local-ops-read-token', OPS_TOKEN: 'local-ops-act-token' };
const REQUIRED_DEV_VARS = ['ADMIN_TOKEN', 'BRIDGE_SECRET', 'FEATURE_SIGNING_SECRET'];
const ENSURE_DEV_VARS: string = new URL('./ensure-dev-vars.mjs', import.meta.url).href;
const READY_DEADLINE_MS = 60_000;
const REDIS_DEADLINE_MS = 10_000;
const REDIS_INSTALL_HINT = `redis-server was not found: ${INSTALL_REDIS}, or start one on 127.0.0.1:26388, then run npm start again.`;

export class StackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StackError';
  }
}

const say = (tag: string) => (line: string) => process.stdout.write(`[${tag}] ${line}\n`);

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** .dev.vars as KEY=VALUE pairs (created from .dev.vars.example when missing). */
const readDevVars = async (): Promise<Record<string, string>> => {
  await import(ENSURE_DEV_VARS);
  const pairs = readFileSync(`${ROOT}.dev.vars`, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1).trim()]);
  return Object.fromEntries(pairs);
};

export class LocalStack {
  /** Child processes by name, in start order. */
  readonly #services = new Map<string, ChildService>();
  readonly #servers: { close(): Promise<void> }[] = [];
  #stopping = false;
  #redisStartedHere = false;

  get stopping(): boolean {
    return this.#stopping;
  }

  async start(): Promise<void> {
    for (const [name, port] of Object.entries(PORTS)) {
      if (name !== 'redis' && (await listening(port))) throw new StackError(`port ${port} (${name}) is already in use — is another stack running?`);
    }
    const vars: Record<string, string> = { ...LOCAL_DEFAULTS, ...(await readDevVars()) };
    const missing = REQUIRED_DEV_VARS.filter((key) => !vars[key]);
    if (missing.length > 0) throw new StackError(`.dev.vars lacks ${missing.join(', ')} (see .dev.vars.example)`);
    await this.#startRedis();
    const gateway = await UpstashGateway.start({ redisUrl: URLS.redis, token: vars.UPSTASH_REDIS_REST_TOKEN });
    this.#servers.push(gateway);
    await this.#startEdge(vars, gateway.url);
    // The platform hands the feature team only its queue's key, never FEATURE_SIGNING_SECRET.
    const key = await queueKey(vars.FEATURE_SIGNING_SECRET, DEMO_QUEUE);
    this.#servers.push(await startDemoFeature({ port: PORTS.feature, key, log: say('feature') }));
    await this.#startBridge(vars.BRIDGE_SECRET);
    await this.#registerDemo(vars.ADMIN_TOKEN);
    this.#printBanner(vars);
  }

  /** Calls `onExit` if a child process ends while the stack is not stopping. */
  watch(onExit: (name: string, output: string) => void): void {
    for (const [name, service] of this.#services) {
      void service.exited.then(() => this.#stopping || onExit(name, service.output));
    }
  }

  /** Stops everything started here. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    // The bridge first, so in-flight jobs finish while the edge and the feature still answer; Redis last.
    await this.#services.get('bridge')?.stop();
    for (const server of [...this.#servers].reverse()) await server.close();
    for (const service of [...this.#services.values()].reverse()) await service.stop();
  }

  /** For process 'exit': nothing may outlive this script. */
  killNow(): void {
    for (const service of this.#services.values()) service.killNow();
  }

  async #startRedis(): Promise<void> {
    if (await listening(PORTS.redis)) return;
    mkdirSync(`${ROOT}.tmp/redis`, { recursive: true });
    const redis = new ChildService({
      command: 'redis-server',
      args: ['--port', String(PORTS.redis), '--bind', HOST, '--dir', `${ROOT}.tmp/redis`, '--appendonly', 'yes', '--save', '', '--loglevel', 'warning'],
      onLine: say('redis'),
    });
    try {
      await redis.spawned;
    } catch (error) {
      throw new StackError(REDIS_INSTALL_HINT, { cause: error });
    }
    this.#services.set('redis', redis);
    this.#redisStartedHere = true;
    const deadline = Date.now() + REDIS_DEADLINE_MS;
    while (!(await listening(PORTS.redis))) {
      if (!redis.running || Date.now() > deadline) throw new StackError(`redis-server did not start on ${PORTS.redis}:\n${redis.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async #startEdge(vars: Record<string, string>, gatewayUrl: string): Promise<void> {
    const extraVars = {
      PRODUCER_TOKEN: vars.PRODUCER_TOKEN,
      UPSTASH_REDIS_REST_URL: gatewayUrl,
      UPSTASH_REDIS_REST_TOKEN: vars.UPSTASH_REDIS_REST_TOKEN,
      ALLOW_PRIVATE_ENDPOINTS: vars.ALLOW_PRIVATE_ENDPOINTS,
    };
    const edge = new ChildService({
      ...localEdge(['--port', String(PORTS.edge), '--persist-to', `${ROOT}.wrangler/state`, ...wranglerVars(extraVars)]),
      onLine: say('edge'),
    });
    this.#services.set('edge', edge);
    await edge.waitForHttp(`${URLS.edge}/health`, READY_DEADLINE_MS);
  }

  async #startBridge(bridgeSecret: string): Promise<void> {
    const bridge = new ChildService({
      command: process.execPath,
      args: [`${ROOT}bridge/main.ts`],
      cwd: ROOT,
      // Only what the bridge needs, so a REDIS_URL in the developer's shell cannot redirect it.
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(PORTS.bridge),
        HOST,
        EDGE_URL: URLS.edge,
        BRIDGE_SECRET: bridgeSecret,
        BRIDGE_ID: 'local',
        DATABASE_REDIS_HOST: HOST,
        DATABASE_REDIS_PORT: String(PORTS.redis),
        ...LOCAL_OPS_TOKENS,
      },
      onLine: say('bridge'),
    });
    this.#services.set('bridge', bridge);
    await bridge.waitForHttp(`${URLS.bridge}/health`, READY_DEADLINE_MS);
  }

  async #registerDemo(adminToken: string): Promise<void> {
    const response = await fetch(`${URLS.edge}/admin/registrations/${DEMO_QUEUE}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: URLS.feature, concurrency: 2, timeoutMs: 10_000 }),
    });
    if (!response.ok) throw new StackError(`registering the demo queue failed: ${response.status} ${await response.text()}`);
  }

  #printBanner(vars: Record<string, string>): void {
    process.stdout.write(
      [
        '',
        'Queue Worker is running locally:',
        `  edge     ${URLS.edge}      (GET /health; admin routes under /admin)`,
        `  bridge   ${URLS.bridge}      (GET /health, GET /internal/status; operations under /ops)`,
        `  console  ${URLS.bridge}/ui/login      (log in with an ops token: read looks, act also retries and pauses)`,
        `  feature  ${URLS.feature}      (demo feature API serving queue '${DEMO_QUEUE}')`,
        `  redis    ${URLS.redis}    (${this.#redisStartedHere ? 'started here, data in .tmp/redis' : 'already running, used as is'})`,
        `  admin token: ${vars.ADMIN_TOKEN}`,
        `  ops tokens:  read ${LOCAL_OPS_TOKENS.OPS_READ_TOKEN} · act ${LOCAL_OPS_TOKENS.OPS_TOKEN}`,
        '',
        'See every queue, with the edge\'s figures:',
        `  curl ${URLS.bridge}/ops/queues -H 'Authorization: Bearer ${LOCAL_OPS_TOKENS.OPS_READ_TOKEN}'`,
        '',
        'Enqueue a demo job with plain BullMQ and wait for its result (the [feature] line shows it running):',
        `  node scripts/enqueue.ts ${DEMO_QUEUE} '{"name":"Ada"}'`,
        'or through the edge, as a Worker-hosted producer would:',
        `  curl -X POST ${URLS.edge}/queues/${DEMO_QUEUE}/jobs -H 'Authorization: Bearer ${vars.PRODUCER_TOKEN}' -H 'Content-Type: application/json' -d '{"data":{"name":"Ada"}}'`,
        '',
        'Ctrl-C stops everything started here.',
        '',
      ].join('\n'),
    );
  }
}
