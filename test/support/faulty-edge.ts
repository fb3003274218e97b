// A stand-in in front of the real edge for the bridge's EDGE_URL, which can pass requests through or
// misbehave on cue: answer 500, answer 200 with garbage, hang without answering, or pass through
// late. It counts the dispatches that reached it, so tests can tell the bridge kept trying.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type EdgeFault = 'none' | 'error-500' | 'garbage' | 'hang' | 'slow';

/** Request headers fetch() sets by itself. */
const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'keep-alive', 'transfer-encoding']);
const SLOW_MS = 2_000;

export class FaultyEdge {
  url = '';
  fault: EdgeFault = 'none';
  dispatches = 0;
  readonly #target: string;
  readonly #server: Server;

  private constructor(target: string) {
    this.#target = target;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(target: string): Promise<FaultyEdge> {
    const edge = new FaultyEdge(target);
    await new Promise<void>((resolve) => edge.#server.listen(0, '127.0.0.1', resolve));
    edge.url = `http://127.0.0.1:${(edge.#server.address() as AddressInfo).port}`;
    return edge;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url?.startsWith('/internal/dispatch')) this.dispatches++;
    switch (this.fault) {
      case 'error-500':
        return void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      case 'garbage':
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>502 bad gateway</html>');
      case 'hang':
        return;
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
    }
    const headers = Object.entries(req.headers).filter(([name]) => !HOP_HEADERS.has(name)) as [string, string][];
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    try {
      const answer = await fetch(`${this.#target}${req.url}`, { method: req.method, headers, body });
      res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([name]) => !HOP_HEADERS.has(name))));
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      res.destroy();
    }
  }
}
