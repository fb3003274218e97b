// The benchmark's feature API: answers every job `{ success: true }` at once, and notes when each
// job arrived (performance.now, same clock as the producer's) for the latency scenario.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const ANSWER = JSON.stringify({ success: true, result: null });

export class NoopFeature {
  readonly arrivals = new Map<string, number>();
  readonly #server: Server;
  url = '';

  private constructor() {
    this.#server = createServer((req, res) => {
      const jobId = req.headers['x-queue-job-id'];
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const id = typeof jobId === 'string' ? jobId : (JSON.parse(body) as { jobId: string }).jobId;
        this.arrivals.set(id, performance.now());
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) });
        res.end(ANSWER);
      });
    });
    this.#server.keepAliveTimeout = 60_000;
  }

  static async start(): Promise<NoopFeature> {
    const feature = new NoopFeature();
    await new Promise<void>((resolve) => feature.#server.listen(0, '127.0.0.1', resolve));
    feature.url = `http://127.0.0.1:${(feature.#server.address() as AddressInfo).port}`;
    return feature;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
