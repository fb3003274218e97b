// One alert delivery try: a Standard Webhooks-signed POST (webhook-id stays the same across tries,
// so a receiver can drop repeats; the timestamp and signature are fresh for each). Anything but a
// 2xx within the timeout is a failed try, retried by the outbox.

import { Webhook } from 'standardwebhooks';

const DELIVERY_TIMEOUT_MS = 10_000;
/** How much of a receiver's refusal is kept in the delivery record. */
const ERROR_SNIPPET_CHARS = 200;

/** An alert waiting in the outbox: the receiver, and the exact body every try sends. */
export interface PendingAlert {
  messageId: string;
  type: string;
  queue: string;
  url: string;
  body: string;
}

export interface DeliveryTry {
  ok: boolean;
  status?: number;
  error?: string;
  durationMs: number;
}

export const deliverAlert = async (webhook: Webhook, alert: PendingAlert): Promise<DeliveryTry> => {
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  const timestamp = new Date();
  try {
    const response = await fetch(alert.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'webhook-id': alert.messageId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': webhook.sign(alert.messageId, timestamp, alert.body),
      },
      body: alert.body,
      // A redirect could carry the signed body somewhere the registration never named.
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    if (response.ok) {
      await response.body?.cancel();
      return { ok: true, status: response.status, durationMs: elapsed() };
    }
    const snippet = (await response.text().catch(() => '')).slice(0, ERROR_SNIPPET_CHARS);
    return { ok: false, status: response.status, error: `answered ${response.status}${snippet ? `: ${snippet}` : ''}`, durationMs: elapsed() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error), durationMs: elapsed() };
  }
};
