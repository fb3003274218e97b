// The edge's Redis: @upstash/redis over Upstash's REST protocol (a local gateway in development and
// tests), configured by the client's own variables as Worker secrets.

import { Redis } from '@upstash/redis/cloudflare';
import { upstashConfig, type EdgeVars } from '../config.ts';

export type UpstashBindings = Pick<EdgeVars, 'UPSTASH_REDIS_REST_URL' | 'UPSTASH_REDIS_REST_TOKEN' | 'QUEUE_PREFIX'>;

/** Network failures are retried a little (the client's default of 5 would hold a request ~4 s). */
const RETRIES = 2;

const clients = new Map<string, Redis>();

/** One client per isolate and configuration; it is a stateless HTTP client. */
export const upstashFor = (env: UpstashBindings): Redis => {
  const { url, token } = upstashConfig(env);
  const cacheKey = `${url}\u0000${token}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new Redis({
      url,
      token,
      // BullMQ's answers (job ids such as "17") must stay strings, not be parsed as JSON.
      automaticDeserialization: false,
      enableTelemetry: false,
      retry: { retries: RETRIES, backoff: (attempt) => 50 * 2 ** attempt },
    });
    clients.set(cacheKey, client);
  }
  return client;
};
