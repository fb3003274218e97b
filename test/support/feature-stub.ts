// A stand-in for a feature API: speaks the real protocol (seed-shaped body, signed headers),
// answers as each queue's script says, and records what it received and how many calls overlapped.
// Tests in Node drive it directly; tests inside workerd drive it over its /__control routes.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QueueStubStats, RecordedRequest, StubBehaviour } from './feature-stub-types.ts';
import { QueueKeyVerifiers } from './queue-key-verifiers.ts';

export type { QueueStubStats, RecordedRequest, StubBehaviour };

type Script = StubBehaviour[] | ((request: RecordedRequest, index: number) => StubBehaviour);

const DEFAULT_SUCCESS = { success: true, result: { ok: true } };

export class FeatureStub {
  readonly #server: Server;
  readonly #verifiers: QueueKeyVerifiers;
  readonly #scripts = new Map<string, Script>();
  readonly #requests = new Map<string, RecordedRequest[]>();
  readonly #stats = new Map<string, QueueStubStats>();
  readonly #hanging = new Set<ServerResponse>();
  #closing?: Promise<void>;
  url = '';

  private constructor(signingSecret: string) {
    this.#verifiers = new QueueKeyVerifiers(signingSecret);
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 30_000;
  }

  static async start({ signingSecret, port = 0 }: { signingSecret: string; port?: number }): Promise<FeatureStub> {
    const stub = new FeatureStub(signingSecret);
    await new Promise<void>((resolve, reject) => {
      stub.#server.once('error', reject);
      stub.#server.listen(port, '127.0.0.1', () => resolve());
    });
    stub.url = `http://127.0.0.1:${(stub.#server.address() as AddressInfo).port}`;
    return stub;
  }

  /** Answers for `queue`: a list consumed in order (its last entry repeats), or a function. */
  script(queue: string, script: Script): void {
    this.#scripts.set(queue, script);
  }

  requests(queue: string): RecordedRequest[] {
    return this.#requests.get(queue) ?? [];
  }

  stats(queue: string): QueueStubStats {
    return this.#stats.get(queue) ?? { count: 0, inFlight: 0, maxInFlight: 0, aborted: 0 };
  }

  /** Starts a new measuring phase for `queue`: forgets its requests and peak, keeps calls in flight. */
  resetStats(queue: string): void {
    this.#requests.delete(queue);
    const stats = this.#stats.get(queue);
    if (stats) Object.assign(stats, { count: 0, maxInFlight: stats.inFlight, aborted: 0 });
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const res of this.#hanging) res.destroy();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://stub');
    if (url.pathname.startsWith('/__control/')) return this.#control(url, rawBody, res);

    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const queue = headers['x-queue-name'] ?? '';
    const signatureValid = await this.#verifiers.verify(queue, headers['x-queue-signature'], rawBody);
    const record: RecordedRequest = { path: url.pathname, headers, body, rawBody, signatureValid, receivedAt: Date.now() };
    const list = this.#requests.get(queue) ?? [];
    list.push(record);
    this.#requests.set(queue, list);

    const stats = this.#stats.get(queue) ?? { count: 0, inFlight: 0, maxInFlight: 0, aborted: 0 };
    this.#stats.set(queue, stats);
    stats.count++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        stats.inFlight--;
      }
    };
    res.once('close', () => {
      if (!settled && !this.#closing) stats.aborted++;
      settle();
    });

    const behaviour = this.#behaviourFor(queue, record, list.length - 1);
    if (behaviour.hang) {
      this.#hanging.add(res);
      res.once('close', () => this.#hanging.delete(res));
      return;
    }
    if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    const status = behaviour.status ?? 200;
    const payload = behaviour.rawBody ?? JSON.stringify(behaviour.body ?? (status < 300 ? DEFAULT_SUCCESS : { error: `stub status ${status}` }));
    settle();
    res.writeHead(status, { 'content-type': 'application/json', ...behaviour.headers });
    res.end(payload);
  }

  #behaviourFor(queue: string, record: RecordedRequest, index: number): StubBehaviour {
    const script = this.#scripts.get(queue);
    if (!script) return {};
    if (typeof script === 'function') return script(record, index);
    return script[Math.min(index, script.length - 1)] ?? {};
  }

  #control(url: URL, rawBody: string, res: ServerResponse): void {
    const queue = url.searchParams.get('queue') ?? '';
    const send = (value: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    switch (url.pathname) {
      case '/__control/script':
        this.script(queue, JSON.parse(rawBody) as StubBehaviour[]);
        return send({ ok: true });
      case '/__control/requests':
        return send(this.requests(queue));
      case '/__control/stats':
        return send(this.stats(queue));
      case '/__control/reset':
        this.resetStats(queue);
        return send({ ok: true });
      default:
        res.writeHead(404).end();
    }
  }
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};
