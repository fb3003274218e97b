// Bridges for tests: in-process (a Bridge object) or as a real `node bridge/main.ts` child process
// for signals, crashes and start-up errors. Both read the same environment as production.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Bridge } from '../../bridge/bridge.ts';
import { loadConfig } from '../../bridge/config.ts';
import { createLogger } from '../../bridge/logger.ts';
import { freePort } from './redis.ts';
import { EDGE_TEST_BINDINGS } from './secrets.ts';
import { waitFor } from './wait.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../bridge/main.ts', import.meta.url));
const LISTEN_DEADLINE_MS = 20_000;

export type Env = Record<string, string>;

/** A test bridge's environment: fast registration sync and heartbeats, quick stalled-job takeover. */
export const bridgeEnv = (edgeUrl: string, redisPort: number, overrides: Env = {}): Env => ({
  EDGE_URL: edgeUrl,
  BRIDGE_SECRET: EDGE_TEST_BINDINGS.BRIDGE_SECRET,
  DATABASE_REDIS_HOST: '127.0.0.1',
  DATABASE_REDIS_PORT: String(redisPort),
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  BRIDGE_SYNC_INTERVAL_MS: '250',
  BRIDGE_HEARTBEAT_INTERVAL_MS: '1000',
  BRIDGE_LOCK_DURATION_MS: '2000',
  BRIDGE_SHUTDOWN_GRACE_MS: '10000',
  ...overrides,
});

export const startBridge = async (env: Env): Promise<Bridge> => {
  const config = loadConfig(env);
  const bridge = new Bridge(config, { logger: createLogger({ level: config.logLevel, format: 'pretty' }) });
  await bridge.start();
  return bridge;
};

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `node bridge/main.ts` as a child process with exactly `env` (nothing inherited but PATH and HOME). */
export class BridgeProcess {
  readonly url: string;
  readonly exited: Promise<Exit>;
  readonly #child: ChildProcess;
  #output = '';

  private constructor(env: Env) {
    this.url = `http://127.0.0.1:${env.PORT}`;
    this.#child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    const keep = (chunk: Buffer) => (this.#output += chunk.toString('utf8'));
    this.#child.stdout?.on('data', keep);
    this.#child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.#child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Spawns and waits until it answers HTTP (whatever its health). PORT defaults to a free one. */
  static async start(env: Env): Promise<BridgeProcess> {
    const bridge = new BridgeProcess({ ...env, PORT: env.PORT && env.PORT !== '0' ? env.PORT : String(await freePort()) });
    let exited = false;
    void bridge.exited.then(() => (exited = true));
    await waitFor(
      async () => {
        if (exited) throw new Error(`bridge exited during start:\n${bridge.output}`);
        return fetch(`${bridge.url}/health`).then(() => true, () => false);
      },
      { timeoutMs: LISTEN_DEADLINE_MS, what: 'the bridge to listen' },
    ).catch(async (error: unknown) => {
      await bridge.stop();
      throw error;
    });
    return bridge;
  }

  /** Spawns without waiting for anything but its exit (start-up errors). */
  static spawn(env: Env): BridgeProcess {
    return new BridgeProcess(env);
  }

  get output(): string {
    return this.#output;
  }

  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** SIGTERM unless it has already exited; resolves on exit. */
  async stop(): Promise<Exit> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    return this.exited;
  }
}
