// The real edge (worker/ in workerd) as a `wrangler dev` child process on a free port, with local
// KV and Durable Object state in a private directory that survives stop() + restart(), plus an
// admin client for its registrations. Nothing reaches the network: metrics and the Request.cf
// download are switched off.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Registration, RegistrationInput } from '../../src/protocol.ts';
import { freePort } from './redis.ts';
import { EDGE_TEST_BINDINGS } from './secrets.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const READY_DEADLINE_MS = 60_000;
const STOP_DEADLINE_MS = 10_000;
const POLL_MS = 100;
const OUTPUT_LINES_KEPT = 40;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const portAccepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export class EdgeServer {
  readonly port: number;
  readonly url: string;
  readonly adminToken = EDGE_TEST_BINDINGS.ADMIN_TOKEN;
  readonly #inspectorPort: number;
  readonly #persistDir: string;
  readonly #output: string[] = [];
  #child?: ChildProcess;

  private constructor(port: number, inspectorPort: number) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.#inspectorPort = inspectorPort;
    this.#persistDir = mkdtempSync(join(tmpdir(), 'qw-edge-'));
  }

  static async start(): Promise<EdgeServer> {
    const edge = new EdgeServer(await freePort(), await freePort());
    await edge.restart();
    return edge;
  }

  /** Starts wrangler dev (again, after stop) on the same port and state; resolves once /health answers. */
  async restart(): Promise<void> {
    if (this.#child) return;
    const vars = Object.entries(EDGE_TEST_BINDINGS).flatMap(([key, value]) => ['--var', `${key}:${value}`]);
    const args = [WRANGLER, 'dev', '--ip', '127.0.0.1', '--port', String(this.port), '--inspector-port', String(this.#inspectorPort)];
    args.push('--persist-to', this.#persistDir, '--show-interactive-dev-session=false', '--log-level', 'warn', ...vars);
    // Its own process group, so stop() also reaches the workerd process wrangler starts.
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
    });
    this.#child = child;
    const keep = (chunk: Buffer) => {
      this.#output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      this.#output.splice(0, Math.max(0, this.#output.length - OUTPUT_LINES_KEPT));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    await this.#waitUntilHealthy(child);
  }

  /** Stops the edge (its state stays for restart()). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(timer);
    this.#child = undefined;
    // workerd may outlive wrangler for a moment; the port must be free before a restart.
    const deadline = Date.now() + STOP_DEADLINE_MS;
    while ((await portAccepts(this.port)) && Date.now() < deadline) await sleep(POLL_MS);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.#persistDir, { recursive: true, force: true });
  }

  /** PUT (create or replace) a registration through the admin route. */
  putRegistration(name: string, input: RegistrationInput): Promise<Registration> {
    return this.#admin('PUT', name, input);
  }

  patchRegistration(name: string, input: RegistrationInput): Promise<Registration> {
    return this.#admin('PATCH', name, input);
  }

  async deleteRegistration(name: string): Promise<void> {
    await this.#admin('DELETE', name);
  }

  async #admin(method: string, name: string, body?: unknown): Promise<Registration> {
    const response = await fetch(`${this.url}/admin/registrations/${name}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /admin/registrations/${name} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as Registration;
  }

  async #waitUntilHealthy(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_DEADLINE_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`wrangler dev exited before the edge was ready:\n${this.#output.join('\n')}`);
      }
      try {
        await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) });
        return;
      } catch {
        if (Date.now() > deadline) {
          await this.stop();
          throw new Error(`the edge did not answer /health within ${READY_DEADLINE_MS} ms:\n${this.#output.join('\n')}`);
        }
        await sleep(POLL_MS);
      }
    }
  }
}
