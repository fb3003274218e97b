// Stands in for a feature the edge cannot reach — a Worker inside the vitest plugin's workerd — as
// its endpoint: it holds each call the edge makes until that feature's test takes it (GET /next),
// runs it through the Worker and posts the Worker's answer back (POST /answer/:id), which the edge
// then gets as the feature's own answer.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How long GET /next waits for a call before answering 204. */
const NEXT_WAIT_MS = 20_000;
/** The headers of a feature call that the Worker needs to verify and run it. */
const FORWARDED = /^(x-queue-|idempotency-key$|content-type$)/;

interface HeldCall {
  id: string;
  headers: Record<string, string>;
  body: string;
  answer: (status: number, body: string) => void;
}

export interface RelayedAnswer {
  jobId: string;
  status: number;
  body: string;
}

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export class CallRelay {
  readonly url: string;
  /** Every answer passed back to the edge, in order. */
  readonly answered: RelayedAnswer[] = [];
  readonly #server: Server;
  readonly #queued: HeldCall[] = [];
  readonly #takers: ((call: HeldCall) => void)[] = [];
  readonly #held = new Map<string, HeldCall>();
  #closing?: Promise<void>;

  private constructor(server: Server) {
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(): Promise<CallRelay> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const relay = new CallRelay(server);
    server.on('request', (request, response) => void relay.#route(request, response));
    return relay;
  }

  close(): Promise<void> {
    this.#closing ??= new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const answerId = /^\/answer\/([\w-]+)$/.exec(request.url ?? '')?.[1];
    if (request.method === 'POST' && request.url === '/internal/process-job') this.#hold(request, body, response);
    else if (request.method === 'GET' && request.url === '/next') this.#handOut(response);
    else if (request.method === 'POST' && answerId) this.#answer(answerId, body, response);
    else response.writeHead(404).end();
  }

  #hold(request: IncomingMessage, body: string, response: ServerResponse): void {
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => FORWARDED.test(name)).map(([name, value]) => [name, String(value)]));
    const call: HeldCall = {
      id: randomUUID(),
      headers,
      body,
      answer: (status, answer) => {
        this.answered.push({ jobId: headers['x-queue-job-id'] ?? '', status, body: answer });
        response.writeHead(status, { 'content-type': 'application/json' }).end(answer);
      },
    };
    this.#held.set(call.id, call);
    const taker = this.#takers.shift();
    if (taker) taker(call);
    else this.#queued.push(call);
  }

  #handOut(response: ServerResponse): void {
    const send = (call: HeldCall): void => void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: call.id, headers: call.headers, body: call.body }));
    const queued = this.#queued.shift();
    if (queued) return send(queued);
    const timer = setTimeout(() => {
      this.#takers.splice(this.#takers.indexOf(take), 1);
      response.writeHead(204).end();
    }, NEXT_WAIT_MS);
    const take = (call: HeldCall) => {
      clearTimeout(timer);
      send(call);
    };
    this.#takers.push(take);
  }

  #answer(id: string, body: string, response: ServerResponse): void {
    const call = this.#held.get(id);
    if (!call) return void response.writeHead(404).end();
    this.#held.delete(id);
    const { status, body: answer } = JSON.parse(body) as { status: number; body: string };
    call.answer(status, answer);
    response.writeHead(204).end();
  }
}
