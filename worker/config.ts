// The edge's configuration: every var and secret the edge reads goes through here, checked per
// request (a Worker's env can change with any deploy), with a 503 `not_configured` that names what
// is missing or too short and never shows a value. Bindings (KV, Durable Objects) are not config.

import type { EndpointPolicyOptions } from '../src/endpoint-policy.ts';
import { MIN_SECRET_LENGTH, type RegistrationDefaults } from '../src/protocol.ts';
import { parseRegistrationDefaults } from '../src/registration.ts';
import { DEFAULT_QUEUE_PREFIX } from './enqueue/queue-keys.ts';
import { InvalidVarsError, NotConfiguredError } from './errors.ts';

/** Every var and secret the edge reads; secrets are optional so a route can answer 503 naming one. */
export interface EdgeVars {
  /** Bearer token for /admin/* and /internal/status. */
  ADMIN_TOKEN?: string;
  /** Bearer token for POST /queues/:name/jobs. */
  PRODUCER_TOKEN?: string;
  /** HMAC key of the bridge's signatures; BRIDGE_SECRET_NEXT is accepted too while rotating. */
  BRIDGE_SECRET?: string;
  BRIDGE_SECRET_NEXT?: string;
  /** Root of the per-queue feature keys; while FEATURE_SIGNING_SECRET_NEXT is set, calls carry both. */
  FEATURE_SIGNING_SECRET?: string;
  FEATURE_SIGNING_SECRET_NEXT?: string;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** BullMQ key prefix; must equal the bridge's QUEUE_PREFIX. */
  QUEUE_PREFIX?: string;
  QUEUE_CONCURRENCY_DEFAULT?: string;
  QUEUE_TIMEOUT_DEFAULT?: string;
  QUEUE_RETRY_ATTEMPTS?: string;
  QUEUE_RETRY_BACKOFF?: string;
  /** 'true' lets endpoints be loopback or private addresses (local development only; unset in production). */
  ALLOW_PRIVATE_ENDPOINTS?: string;
}

export type BearerSecretName = 'ADMIN_TOKEN' | 'PRODUCER_TOKEN';
export type RotatingSecretName = 'BRIDGE_SECRET' | 'FEATURE_SIGNING_SECRET';
type SecretName = BearerSecretName | RotatingSecretName | `${RotatingSecretName}_NEXT`;

/** A secret and, while it rotates, its successor. */
export interface RotatingSecret {
  current: string;
  next?: string;
}

const checkedSecret = (name: SecretName, value: string | undefined): string => {
  if (!value) throw new NotConfiguredError(name, 'missing');
  if (value.length < MIN_SECRET_LENGTH) throw new NotConfiguredError(name, 'too_short');
  return value;
};

export const bearerSecret = (env: EdgeVars, name: BearerSecretName): string => checkedSecret(name, env[name]);

/** `name` and, when set, `name_NEXT`; both must be long enough. */
export const rotatingSecret = (env: EdgeVars, name: RotatingSecretName): RotatingSecret => {
  const nextName = `${name}_NEXT` as const;
  const current = checkedSecret(name, env[name]);
  const next = env[nextName] ? checkedSecret(nextName, env[nextName]) : undefined;
  return next === undefined ? { current } : { current, next };
};

export const upstashConfig = (env: EdgeVars): { url: string; token: string } => {
  const url = env.UPSTASH_REDIS_REST_URL;
  const token = env.UPSTASH_REDIS_REST_TOKEN;
  if (!url || !token) {
    throw new NotConfiguredError([!url && 'UPSTASH_REDIS_REST_URL', !token && 'UPSTASH_REDIS_REST_TOKEN'].filter(Boolean).join(' / '), 'missing');
  }
  return { url, token };
};

export const queuePrefix = (env: EdgeVars): string => env.QUEUE_PREFIX || DEFAULT_QUEUE_PREFIX;

export const registrationDefaults = (env: EdgeVars): RegistrationDefaults => {
  const parsed = parseRegistrationDefaults(env as Record<string, string | undefined>);
  if (!parsed.ok) throw new InvalidVarsError(parsed.errors);
  return parsed.value;
};

/**
 * The endpoint policy for one request: ALLOW_PRIVATE_ENDPOINTS (only the exact string 'true'
 * enables it; production leaves it unset) and the edge's own origin as this request reached it.
 */
export const endpointPolicy = (env: EdgeVars, requestUrl: string): EndpointPolicyOptions => ({
  allowPrivateEndpoints: env.ALLOW_PRIVATE_ENDPOINTS === 'true',
  selfOrigin: new URL(requestUrl).origin,
});
