// The real edge (worker/ in workerd, as `npm start` runs it: scripts/local-edge-main.ts) as a child
// process on a free port, with local KV and Durable Object state in a private directory that
// survives stop() + restart(), plus an admin client for its registrations.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Registration, RegistrationInput } from '../../src/protocol.ts';
import { ChildService } from '../../scripts/child-service.ts';
import { freePort } from '../../scripts/free-port.ts';
import { localEdge } from '../../scripts/local-edge.ts';
import { wranglerVars } from '../../scripts/wrangler-dev.ts';
import { EDGE_TEST_BINDINGS } from './secrets.ts';

const READY_DEADLINE_MS = 60_000;

export interface EdgeServerOptions {
  /** Bindings beyond the test secrets (which they may override). */
  vars?: Record<string, string>;
}

export class EdgeServer {
  readonly port: number;
  readonly url: string;
  readonly adminToken: string;
  readonly #persistDir: string;
  /** The edge's build, made at the first start and reused by every restart (same code, faster). */
  readonly #buildDir: string;
  readonly #vars: Record<string, string>;
  #service?: ChildService;

  private constructor(port: number, { vars = {} }: EdgeServerOptions) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.#persistDir = mkdtempSync(join(tmpdir(), 'qw-edge-'));
    this.#buildDir = join(this.#persistDir, 'build');
    this.#vars = { ...EDGE_TEST_BINDINGS, ...vars };
    this.adminToken = this.#vars.ADMIN_TOKEN;
  }

  static async start(options: EdgeServerOptions = {}): Promise<EdgeServer> {
    const edge = new EdgeServer(await freePort(), options);
    await edge.restart();
    return edge;
  }

  /** Starts the edge (again, after stop) on the same port and state; resolves once /health answers. */
  async restart(): Promise<void> {
    if (this.#service?.running) return;
    const service = new ChildService(localEdge(['--port', String(this.port), '--persist-to', this.#persistDir, '--build-dir', this.#buildDir, ...wranglerVars(this.#vars)]));
    this.#service = service;
    try {
      await service.waitForHttp(`${this.url}/health`, READY_DEADLINE_MS);
    } catch (error) {
      await service.stop();
      throw error;
    }
  }

  /** The launcher's process id (workerd runs as its child). */
  get pid(): number {
    return this.#service?.pid ?? -1;
  }

  /** Stops the edge, workerd included (its state stays for restart()). */
  async stop(): Promise<void> {
    await this.#service?.stop();
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.#persistDir, { recursive: true, force: true });
  }

  /** PUT (create or replace) a registration through the admin route. */
  putRegistration(name: string, input: RegistrationInput): Promise<Registration> {
    return this.#admin('PUT', name, input);
  }

  getRegistration(name: string): Promise<Registration> {
    return this.#admin('GET', name);
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
}
