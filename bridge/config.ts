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
const DEFAULT_OTEL_SERVICE_NAME = 'queue-worker-bridge';
/** The OpenTelemetry spec's default for OTEL_BSP_SCHEDULE_DELAY. */
const DEFAULT_OTEL_SCHEDULE_DELAY_MS = 5_000;
/** Keeps "registered at the edge → running here" within 5 s. */
export const DEFAULT_SYNC_INTERVAL_MS = 2_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
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

export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where Redis is: a URL (REDIS_URL), host/port/password (DATABASE_REDIS_*), or a Redis Cluster's
 * seed nodes (REDIS_CLUSTER_NODES, with DATABASE_REDIS_PASSWORD for every node).
 */
export type RedisTarget = { url: string } | (RedisNode & { password?: string }) | { cluster: RedisNode[]; password?: string };

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
  /** OpenTelemetry traces over OTLP/HTTP (standard OTEL_* variables); undefined = off, and the SDK is never loaded. */
  otel?: OtelConfig;
  /** ALERT_SIGNING_SECRET (`whsec_…`): signs alert webhooks; without it no alert is sent. */
  alertSigningSecret?: string;
  /** BRIDGE_STALE_AFTER_MS: another bridge silent this long is reported as `bridge.stale`. */
  bridgeStaleAfterMs: number;
}

export interface OtelConfig {
  /** Where spans are POSTed (OTLP/HTTP JSON). */
  tracesUrl: string;
  serviceName: string;
  /** OTEL_BSP_SCHEDULE_DELAY: how long finished spans wait to be sent together. */
  scheduleDelayMs: number;
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

/** `host:port,host:port`: a few of the cluster's nodes; the client learns the rest from them. */
const readClusterNodes = (env: EnvReader, raw: string): RedisNode[] => {
  const nodes: RedisNode[] = [];
  for (const entry of raw.split(',').map((part) => part.trim())) {
    const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      env.problem(`REDIS_CLUSTER_NODES must be a comma-separated list of host:port (got "${entry}")`);
      continue;
    }
    nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
  }
  return nodes;
};

const readRedis = (env: EnvReader): RedisTarget => {
  const password = env.raw('DATABASE_REDIS_PASSWORD');
  const clusterNodes = env.raw('REDIS_CLUSTER_NODES');
  if (clusterNodes !== undefined) {
    if (env.raw('REDIS_URL') !== undefined) env.problem('set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
    return { cluster: readClusterNodes(env, clusterNodes), ...(password ? { password } : {}) };
  }
  // A URL may carry a password, so it is never echoed back.
  const url = env.url('REDIS_URL', ['redis:', 'rediss:'], { secret: true });
  if (url) return { url: url.href };
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

/**
 * Redis Cluster's hash tag of a key starting with `prefix`: the text between the first `{` and the
 * next `}`, if not empty. Queue names cannot hold braces, so the prefix's tag is every key's tag.
 */
const hashTag = (prefix: string): string | undefined => /^[^{]*\{([^}]+)\}/.exec(prefix)?.[1];

/**
 * Traces are on when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or
 * OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, as the OTLP spec says), unless OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none. Only OTLP/HTTP with JSON is shipped, so another protocol is refused
 * rather than silently sent as JSON. OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION and the
 * certificate variables are read by the exporter itself.
 */
const readOtel = (env: EnvReader): OtelConfig | undefined => {
  if (env.raw('OTEL_SDK_DISABLED')?.toLowerCase() === 'true' || env.raw('OTEL_TRACES_EXPORTER') === 'none') return undefined;
  const exporter = env.raw('OTEL_TRACES_EXPORTER');
  if (exporter !== undefined && exporter !== 'otlp') env.problem(`OTEL_TRACES_EXPORTER must be otlp or none (got "${exporter}")`);
  for (const key of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = env.raw(key);
    if (protocol !== undefined && protocol !== 'http/json') env.problem(`${key} must be http/json, the one OTLP protocol the bridge ships (got "${protocol}")`);
  }
  const traces = env.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http:', 'https:'], { secret: true });
  const base = traces ? undefined : env.url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:'], { secret: true });
  const tracesUrl = traces?.href ?? (base ? `${base.href.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (tracesUrl === undefined) return undefined;
  return {
    tracesUrl,
    serviceName: env.raw('OTEL_SERVICE_NAME') ?? DEFAULT_OTEL_SERVICE_NAME,
    scheduleDelayMs: env.int('OTEL_BSP_SCHEDULE_DELAY', DEFAULT_OTEL_SCHEDULE_DELAY_MS, 0, 10 * 60_000),
  };
};

/** Reads and validates the bridge's environment; throws a ConfigError naming every problem. */
export const loadConfig = (vars: Env): BridgeConfig => {
  const env = new EnvReader(vars);
  const defaults = parseRegistrationDefaults(vars);
  if (!defaults.ok) for (const { field, message } of defaults.errors) env.problem(`${field} ${message}`);
  const queuePrefix = env.raw('QUEUE_PREFIX') ?? DEFAULT_QUEUE_PREFIX;
  if (!QUEUE_PREFIX_PATTERN.test(queuePrefix)) env.problem(`QUEUE_PREFIX must match ${QUEUE_PREFIX_PATTERN.source} (got "${queuePrefix}")`);
  const redis = readRedis(env);
  if ('cluster' in redis && hashTag(queuePrefix) === undefined) {
    // BullMQ's scripts touch several keys of a queue at once; Redis Cluster runs them only when all share one slot.
    env.problem(`QUEUE_PREFIX must contain a Redis Cluster hash tag such as {qw} when REDIS_CLUSTER_NODES is set, so all of a queue's keys share one slot (got "${queuePrefix}")`);
  }
  const alertSigningSecret = readAlertSecret(env);
  const workerConcurrency = env.raw('BRIDGE_WORKER_CONCURRENCY') === undefined ? undefined : env.int('BRIDGE_WORKER_CONCURRENCY', 1, 1, 1000);

  const config: BridgeConfig = {
    port: env.int('PORT', DEFAULT_PORT, 0, 65535),
    host: env.raw('HOST') ?? DEFAULT_HOST,
    nodeEnv: env.oneOf('NODE_ENV', NODE_ENVS, 'development'),
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    redis,
    queuePrefix,
    edgeUrl: readEdgeUrl(env),
    bridgeSecret: readSecret(env),
    bridgeId: readBridgeId(env),
    registrationDefaults: defaults.ok ? defaults.value : { concurrency: 5, timeoutMs: 30_000, attempts: 3, backoffType: 'exponential' },
    ...(workerConcurrency === undefined ? {} : { workerConcurrency }),
    shutdownGraceMs: env.int('BRIDGE_SHUTDOWN_GRACE_MS', 25_000, 0, 15 * 60_000),
    syncIntervalMs: env.int('BRIDGE_SYNC_INTERVAL_MS', DEFAULT_SYNC_INTERVAL_MS, 100, 60_000),
    heartbeatIntervalMs: env.int('BRIDGE_HEARTBEAT_INTERVAL_MS', DEFAULT_HEARTBEAT_INTERVAL_MS, 500, 5 * 60_000),
    lockDurationMs: env.int('BRIDGE_LOCK_DURATION_MS', 30_000, 1_000, 10 * 60_000),
    completedRetention: readRetention(env, 'COMPLETED', 1_000, DAY_S),
    failedRetention: readRetention(env, 'FAILED', 10_000, 14 * DAY_S),
    resultMaxBytes: env.int('RESULT_MAX_BYTES', DEFAULT_RESULT_MAX_BYTES, 0, MAX_RESULT_MAX_BYTES),
    opsTokens: readOpsTokens(env),
    ...(alertSigningSecret === undefined ? {} : { alertSigningSecret }),
    bridgeStaleAfterMs: env.int('BRIDGE_STALE_AFTER_MS', DEFAULT_BRIDGE_STALE_AFTER_MS, 1_000, DAY_S * 1_000),
  };
  const otel = readOtel(env);
  if (otel) config.otel = otel;
  if (env.problems.length > 0) throw new ConfigError(env.problems);
  return config;
};

/** Where Redis is, safe to log (no password). */
export const describeRedis = (redis: RedisTarget): string => {
  if ('cluster' in redis) return `redis cluster ${redis.cluster.map(({ host, port }) => `${host}:${port}`).join(',')}`;
  if ('url' in redis) {
    const url = new URL(redis.url);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  }
  return `redis://${redis.host}:${redis.port}`;
};
