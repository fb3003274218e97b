// The edge's Redis: @upstash/redis over Upstash's REST protocol (a local gateway in development and
// tests), configured by the client's own variables as Worker secrets.

import { Redis } from '@upstash/redis/cloudflare';
import { ApiError } from '../errors.ts';

export interface UpstashBindings {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** BullMQ key prefix; must equal the bridge's QUEUE_PREFIX (default "bull"). */
  QUEUE_PREFIX?: string;
}

/** Network failures are retried a little (the client's default of 5 would hold a request ~4 s). */
const RETRIES = 2;

const clients = new Map<string, Redis>();

/** One client per isolate and configuration; it is a stateless HTTP client. */
export const upstashFor = (env: UpstashBindings): Redis => {
  const url = env.UPSTASH_REDIS_REST_URL;
  const token = env.UPSTASH_REDIS_REST_TOKEN;
  const missing = [!url && 'UPSTASH_REDIS_REST_URL', !token && 'UPSTASH_REDIS_REST_TOKEN'].filter(Boolean);
  if (!url || !token) throw new ApiError(503, 'not_configured', `the edge has no ${missing.join(' / ')} secret set`);
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

/** A Redis failure as a 503 that says what went wrong without echoing the command (job data). */
export const redisUnavailable = (error: unknown): ApiError => {
  const message = error instanceof Error ? error.message.split(', command was:')[0] : String(error);
  return new ApiError(503, 'redis_unavailable', `Redis did not accept the request: ${message}`, { cause: error });
};
