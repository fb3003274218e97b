// A stand-in for an operator's alert endpoint: verifies every Standard Webhooks signature with the
// reference library, answers as scripted (a list of statuses consumed in order, its last repeating),
// and records what came, so a test can count the deliveries of each event.

import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A valid Standard Webhooks secret (base64 of 32 bytes), for test bridges' ALERT_SIGNING_SECRET. */
export const TEST_ALERT_SECRET = `whsec_${Buffer.from('queue-worker test alert key 32 b').toString('base64')}`;

/** Answer nothing: the request hangs until the receiver closes (a receiver that is down mid-delivery). */
export const HANG = 0;

export interface ReceivedAlert {
  messageId: string;
  verified: boolean;
  status: number;
  type?: string;
  data?: Record<string, unknown>;
}

export class AlertReceiver {
  readonly #server: Server;
  readonly #webhook = new Webhook(TEST_ALERT_SECRET);
  readonly received: ReceivedAlert[] = [];
  readonly #hanging = new Set<ServerResponse>();
  #statuses: number[] = [200];
  url = '';

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        let payload: { type?: string; data?: Record<string, unknown> } | undefined;
        try {
          payload = this.#webhook.verify(body, headers) as typeof payload;
        } catch {
          payload = undefined;
        }
        const status = payload ? (this.#statuses.length > 1 ? this.#statuses.shift()! : this.#statuses[0]) : 401;
        this.received.push({ messageId: headers['webhook-id'] ?? '', verified: payload !== undefined, status, type: payload?.type, data: payload?.data });
        if (status === HANG) this.#hanging.add(res);
        else res.writeHead(status).end();
      });
    });
  }

  static async start(): Promise<AlertReceiver> {
    const receiver = new AlertReceiver();
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.#server.address() as AddressInfo).port}/hooks/queue-worker`;
    return receiver;
  }

  /** The statuses to answer with from now on, in order (HANG: none); the last one repeats. */
  answer(...statuses: number[]): void {
    this.#statuses = statuses;
  }

  /** Verified alerts of `type` (optionally for `queue`) that were answered 2xx: what the operator got. */
  accepted(type: string, queue?: string): ReceivedAlert[] {
    return this.received.filter((a) => a.verified && a.status >= 200 && a.status < 300 && a.type === type && (queue === undefined || a.data?.queue === queue));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const res of this.#hanging) res.destroy();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
