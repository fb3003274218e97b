// A real redis-server as a child process on a free port, for one test file (or one scenario).
// Never touches the shared instance on 6379.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../scripts/free-port.ts';

export interface RedisServerOptions {
  port?: number;
  /** Keep data across restarts (appendonly yes in a private dir). */
  persistent?: boolean;
  /** Further redis-server arguments (a Redis Cluster node's settings). */
  extraArgs?: string[];
}

const START_DEADLINE_MS = 10_000;

export class RedisServer {
  readonly port: number;
  readonly #dir: string;
  readonly #persistent: boolean;
  readonly #extraArgs: string[];
  #child?: ChildProcess;

  private constructor(port: number, persistent: boolean, extraArgs: string[]) {
    this.port = port;
    this.#persistent = persistent;
    this.#extraArgs = extraArgs;
    this.#dir = mkdtempSync(join(tmpdir(), 'qw-redis-'));
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(options.port ?? (await freePort()), options.persistent ?? false, options.extraArgs ?? []);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get connection(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  /** A new client for the test's own use; the caller quits it. */
  client(): Redis {
    return new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: null });
  }

  /** Starts the server (again, after `stop`), resolving once it answers PING. */
  async restart(): Promise<void> {
    if (this.#child) return;
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.#dir, '--save', '', '--daemonize', 'no'];
    args.push('--appendonly', this.#persistent ? 'yes' : 'no', ...this.#extraArgs);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.#child = child;
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    await new Promise<void>((resolve, reject) => {
      child.once('error', (error) => reject(new Error(`could not start redis-server (is it installed? apt-get install redis-server): ${error.message}`)));
      child.once('spawn', () => resolve());
    });
    await this.#waitUntilReady();
  }

  /** Stops the server; `signal` SIGKILL simulates a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.#child = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #waitUntilReady(): Promise<void> {
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not answer within ${START_DEADLINE_MS} ms`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
  }
}
