// Bridges for tests: in-process (a Bridge object) or as a real `node bridge/main.ts` child process
// for signals, crashes and start-up errors. Both read the same environment as production.

import { fileURLToPath } from 'node:url';
import { Bridge } from '../../bridge/bridge.ts';
import { loadConfig } from '../../bridge/config.ts';
import { createLogger } from '../../bridge/logger.ts';
import { ChildService, type Exit } from '../../scripts/child-service.ts';
import { freePort } from '../../scripts/free-port.ts';
import { EDGE_TEST_BINDINGS } from './secrets.ts';

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

/** `node bridge/main.ts` as a child process with exactly `env` (nothing inherited but PATH and HOME). */
export class BridgeProcess {
  readonly url: string;
  readonly #service: ChildService;

  private constructor(env: Env, main: string, nodeFlags: string[]) {
    this.url = `http://127.0.0.1:${env.PORT}`;
    this.#service = new ChildService({
      command: process.execPath,
      args: [...nodeFlags, main],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
  }

  /**
   * Spawns and waits until it answers HTTP (whatever its health). PORT defaults to a free one;
   * `main` to bridge/main.ts (the bench passes the container's bundle, dist/bridge/main.mjs, and
   * the Node flags the image starts it with).
   */
  static async start(env: Env, main = MAIN, nodeFlags: string[] = []): Promise<BridgeProcess> {
    const bridge = new BridgeProcess({ ...env, PORT: env.PORT && env.PORT !== '0' ? env.PORT : String(await freePort()) }, main, nodeFlags);
    try {
      await bridge.#service.waitForHttp(`${bridge.url}/health`, LISTEN_DEADLINE_MS);
    } catch (error) {
      await bridge.stop();
      throw error;
    }
    return bridge;
  }

  /** Spawns without waiting for anything but its exit (start-up errors). */
  static spawn(env: Env): BridgeProcess {
    return new BridgeProcess(env, MAIN, []);
  }

  get pid(): number {
    return this.#service.pid;
  }

  get exited(): Promise<Exit> {
    return this.#service.exited;
  }

  get output(): string {
    return this.#service.output;
  }

  kill(signal: NodeJS.Signals): void {
    this.#service.kill(signal);
  }

  /** SIGTERM unless it has already exited; resolves on exit. */
  stop(): Promise<Exit> {
    return this.#service.stop();
  }
}
