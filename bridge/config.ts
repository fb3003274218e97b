// The bridge's configuration, read once from the environment. Every problem is collected so one
// start-up attempt reports them all. Secret values never appear in messages.

import { hostname } from 'node:os';
import { DEFAULT_RESULT_MAX_BYTES, MIN_SECRET_LENGTH, type RegistrationDefaults } from '../src/protocol.ts';
import { parseRegistrationDefaults } from '../src/registration.ts';
import { LOG_LEVELS, type LogLevel } from './logger.ts';

const DEFAULT_PORT = 3019;
const DEFAULT_HOST = '0.0.0.0';
const DEFAULT_REDIS_HOST = '127.0.0.1';
const DEFAULT_REDIS_PORT = 26388;
const DEFAULT_QUEUE_PREFIX = 'bull';
/** Keeps "registered at the edge → running here" within 5 s. */
export const DEFAULT_SYNC_INTERVAL_MS = 2_000;
// Letters, digits and braces, so a Redis Cluster hash tag such as {jobs} fits; ':' separates BullMQ's keys.
const QUEUE_PREFIX_PATTERN = /^[A-Za-z0-9_{}.-]{1,64}$/;
const NODE_ENVS = ['development', 'production', 'test'] as const;
/** The edge answers at most a megabyte of a feature's answer; a larger limit could never apply. */
const MAX_RESULT_MAX_BYTES = 1024 * 1024;
const MAX_BRIDGE_ID_LENGTH = 256;
/** Standard Webhooks secrets are `whsec_` + base64 of 24 to 64 random bytes. */
const ALERT_SECRET_PREFIX = 'whsec_';
const ALERT_SECRET_BYTES = { min: 24, max: 64 };
/** ARCHITECTURE: a bridge with no heartbeat for 30 s is stale. */
const DEFAULT_BRIDGE_STALE_AFTER_MS = 30_000;
const HOUR_S = 60 * 60;
const DAY_S = 24 * HOUR_S;

export type NodeEnv = (typeof NODE_ENVS)[number];

/** Where Redis is: a URL (REDIS_URL) or host/port/password (DATABASE_REDIS_*). */
export type RedisTarget = { url: string } | { host: string; port: number; password?: string };

/** How many finished jobs of one kind a queue keeps: at most `count`, none older than `ageSeconds`. */
export interface Retention {
  count: number;
  ageSeconds: number;
}

export interface BridgeConfig {
  port: number;
  host: string;
  nodeEnv: NodeEnv;
  logLevel: LogLevel;
  redis: RedisTarget;
  /** BullMQ key prefix; must match the producers'. */
  queuePrefix: string;
  edgeUrl: string;
  bridgeSecret: string;
  bridgeId: string;
  /** Fills fields an edge registration leaves out (QUEUE_* variables). */
  registrationDefaults: RegistrationDefaults;
  /** Local worker concurrency for every queue; undefined = each registration's concurrency. */
  workerConcurrency?: number;
  shutdownGraceMs: number;
  syncIntervalMs: number;
  heartbeatIntervalMs: number;
  /** A crashed bridge's in-flight jobs are taken over after about this long. */
  lockDurationMs: number;
  completedRetention: Retention;
  failedRetention: Retention;
  /** RESULT_MAX_BYTES: results larger than this as JSON are stored as `{ resultTruncated: <bytes> }`. */
  resultMaxBytes: number;
  /** Bearer tokens of the operations routes; a scope whose token is unset answers 503 `not_configured`. */
  opsTokens: OpsTokens;
  /** ALERT_SIGNING_SECRET (`whsec_…`): signs alert webhooks; without it no alert is sent. */
  alertSigningSecret?: string;
  /** BRIDGE_STALE_AFTER_MS: another bridge silent this long is reported as `bridge.stale`. */
  bridgeStaleAfterMs: number;
}

/** OPS_READ_TOKEN reads; OPS_TOKEN reads and acts (ARCHITECTURE "Operations"). */
export interface OpsTokens {
  read?: string;
  act?: string;
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid bridge configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/** Collects problems while reading variables; each reader returns a usable fallback. */
class EnvReader {
  readonly problems: string[] = [];
  readonly #env: Env;

  constructor(env: Env) {
    this.#env = env;
  }

  raw(key: string): string | undefined {
    const value = this.#env[key]?.trim();
    return value === '' ? undefined : value;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problem(`${key} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if (allowed.includes(raw as T)) return raw as T;
    this.problem(`${key} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  }

  url(key: string, protocols: readonly string[], { secret = false } = {}): URL | undefined {
    const raw = this.raw(key);
    if (raw === undefined) return undefined;
    const shown = secret ? '' : ` (got "${raw}")`;
    try {
      const url = new URL(raw);
      if (protocols.includes(url.protocol)) return url;
      this.problem(`${key} must use ${protocols.map((p) => p.replace(':', '://')).join(' or ')}${shown}`);
    } catch {
      this.problem(`${key} must be an absolute URL${shown}`);
    }
    return undefined;
  }
}

const readRedis = (env: EnvReader): RedisTarget => {
  // A URL may carry a password, so it is never echoed back.
  const url = env.url('REDIS_URL', ['redis:', 'rediss:'], { secret: true });
  if (url) return { url: url.href };
  const password = env.raw('DATABASE_REDIS_PASSWORD');
  return {
    host: env.raw('DATABASE_REDIS_HOST') ?? DEFAULT_REDIS_HOST,
    port: env.int('DATABASE_REDIS_PORT', DEFAULT_REDIS_PORT, 1, 65535),
    ...(password ? { password } : {}),
  };
};

const readEdgeUrl = (env: EnvReader): string => {
  if (env.raw('EDGE_URL') === undefined) env.problem('EDGE_URL is required (the edge Worker, e.g. http://127.0.0.1:8787)');
  const url = env.url('EDGE_URL', ['http:', 'https:']);
  if (url && (url.search || url.hash || url.username)) env.problem('EDGE_URL must not contain credentials, a query string or a fragment');
  return url ? `${url.origin}${url.pathname.replace(/\/+$/, '')}` : '';
};

const readSecret = (env: EnvReader): string => {
  const secret = env.raw('BRIDGE_SECRET');
  if (secret === undefined) env.problem('BRIDGE_SECRET is required (the HMAC key shared with the edge)');
  else if (secret.length < MIN_SECRET_LENGTH) env.problem(`BRIDGE_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  return secret ?? '';
};

/** An optional secret: absent is fine (its routes answer 503), present but short is a start-up error. */
const readOptionalSecret = (env: EnvReader, key: string, purpose: string): string | undefined => {
  const secret = env.raw(key);
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) env.problem(`${key} must be at least ${MIN_SECRET_LENGTH} characters (${purpose})`);
  return secret;
};

const readOpsTokens = (env: EnvReader): OpsTokens => {
  const read = readOptionalSecret(env, 'OPS_READ_TOKEN', 'the bearer token that reads the operations routes');
  const act = readOptionalSecret(env, 'OPS_TOKEN', 'the bearer token that reads and acts on the operations routes');
  return { ...(read ? { read } : {}), ...(act ? { act } : {}) };
};

const readAlertSecret = (env: EnvReader): string | undefined => {
  const secret = env.raw('ALERT_SIGNING_SECRET');
  if (secret === undefined) return undefined;
  const encoded = secret.startsWith(ALERT_SECRET_PREFIX) ? secret.slice(ALERT_SECRET_PREFIX.length) : '';
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64').length : 0;
  if (bytes < ALERT_SECRET_BYTES.min || bytes > ALERT_SECRET_BYTES.max) {
    env.problem(
      `ALERT_SIGNING_SECRET must be a Standard Webhooks secret: '${ALERT_SECRET_PREFIX}' followed by base64 of ${ALERT_SECRET_BYTES.min}-${ALERT_SECRET_BYTES.max} random bytes ` +
        `(e.g. ${ALERT_SECRET_PREFIX}$(openssl rand -base64 32))`,
    );
    return undefined;
  }
  return secret;
};

const readBridgeId = (env: EnvReader): string => {
  const id = env.raw('BRIDGE_ID') ?? `${hostname()}-${process.pid}`;
  if (id.length > MAX_BRIDGE_ID_LENGTH || !/^[\x21-\x7e]+$/.test(id)) {
    env.problem(`BRIDGE_ID must be 1-${MAX_BRIDGE_ID_LENGTH} printable characters without spaces (got "${id}")`);
  }
  return id;
};

const readRetention = (env: EnvReader, kind: 'COMPLETED' | 'FAILED', count: number, ageSeconds: number): Retention => ({
  count: env.int(`QUEUE_${kind}_RETENTION_COUNT`, count, 0, 10_000_000),
  ageSeconds: env.int(`QUEUE_${kind}_RETENTION_AGE_SECONDS`, ageSeconds, 1, 365 * DAY_S),
});

/** Reads and validates the bridge's environment; throws a ConfigError naming every problem. */
export const loadConfig = (vars: Env): BridgeConfig => {
  const env = new EnvReader(vars);
  const defaults = parseRegistrationDefaults(vars);
  if (!defaults.ok) for (const { field, message } of defaults.errors) env.problem(`${field} ${message}`);
  const queuePrefix = env.raw('QUEUE_PREFIX') ?? DEFAULT_QUEUE_PREFIX;
  if (!QUEUE_PREFIX_PATTERN.test(queuePrefix)) env.problem(`QUEUE_PREFIX must match ${QUEUE_PREFIX_PATTERN.source} (got "${queuePrefix}")`);
  const alertSigningSecret = readAlertSecret(env);
  const workerConcurrency = env.raw('BRIDGE_WORKER_CONCURRENCY') === undefined ? undefined : env.int('BRIDGE_WORKER_CONCURRENCY', 1, 1, 1000);

  const config: BridgeConfig = {
    port: env.int('PORT', DEFAULT_PORT, 0, 65535),
    host: env.raw('HOST') ?? DEFAULT_HOST,
    nodeEnv: env.oneOf('NODE_ENV', NODE_ENVS, 'development'),
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    redis: readRedis(env),
    queuePrefix,
    edgeUrl: readEdgeUrl(env),
    bridgeSecret: readSecret(env),
    bridgeId: readBridgeId(env),
    registrationDefaults: defaults.ok ? defaults.value : { concurrency: 5, timeoutMs: 30_000, attempts: 3, backoffType: 'exponential' },
    ...(workerConcurrency === undefined ? {} : { workerConcurrency }),
    shutdownGraceMs: env.int('BRIDGE_SHUTDOWN_GRACE_MS', 25_000, 0, 15 * 60_000),
    syncIntervalMs: env.int('BRIDGE_SYNC_INTERVAL_MS', DEFAULT_SYNC_INTERVAL_MS, 100, 60_000),
    heartbeatIntervalMs: env.int('BRIDGE_HEARTBEAT_INTERVAL_MS', 5_000, 500, 5 * 60_000),
    lockDurationMs: env.int('BRIDGE_LOCK_DURATION_MS', 30_000, 1_000, 10 * 60_000),
    completedRetention: readRetention(env, 'COMPLETED', 1_000, DAY_S),
    failedRetention: readRetention(env, 'FAILED', 10_000, 14 * DAY_S),
    resultMaxBytes: env.int('RESULT_MAX_BYTES', DEFAULT_RESULT_MAX_BYTES, 0, MAX_RESULT_MAX_BYTES),
    opsTokens: readOpsTokens(env),
    ...(alertSigningSecret === undefined ? {} : { alertSigningSecret }),
    bridgeStaleAfterMs: env.int('BRIDGE_STALE_AFTER_MS', DEFAULT_BRIDGE_STALE_AFTER_MS, 1_000, DAY_S * 1_000),
  };
  if (env.problems.length > 0) throw new ConfigError(env.problems);
  return config;
};

/** Where Redis is, safe to log (no password). */
export const describeRedis = (redis: RedisTarget): string => {
  if ('url' in redis) {
    const url = new URL(redis.url);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  }
  return `redis://${redis.host}:${redis.port}`;
};
