// Configuration: defaults, every problem reported at once, and the process refusing to start.

import { describe, expect, it } from 'vitest';
import { ConfigError, describeRedis, loadConfig } from '../../bridge/config.ts';
import { BridgeProcess } from '../support/bridge.ts';

const REQUIRED = { EDGE_URL: 'http://127.0.0.1:8787', BRIDGE_SECRET: 'a-secret-of-enough-length' };

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it("takes the seed's defaults", () => {
    const config = loadConfig(REQUIRED);

    expect(config).toMatchObject({
      port: 3019,
      redis: { host: '127.0.0.1', port: 26388 },
      logLevel: 'info',
      nodeEnv: 'development',
      edgeUrl: 'http://127.0.0.1:8787',
      registrationDefaults: { concurrency: 5, timeoutMs: 30_000, attempts: 3, backoffType: 'exponential' },
    });
    expect(config.workerConcurrency).toBeUndefined();
  });

  it('prefers REDIS_URL and never shows its password', () => {
    const config = loadConfig({ ...REQUIRED, REDIS_URL: 'rediss://default:hunter2@cache.example.com:6380', DATABASE_REDIS_HOST: 'ignored' });

    expect(config.redis).toEqual({ url: 'rediss://default:hunter2@cache.example.com:6380' });
    expect(describeRedis(config.redis)).toBe('rediss://cache.example.com:6380');
  });

  it('lists every problem in one error, without secret values', () => {
    const problems = problemsOf({
      PORT: '99999',
      DATABASE_REDIS_PORT: 'six',
      QUEUE_CONCURRENCY_DEFAULT: '0',
      QUEUE_RETRY_BACKOFF: 'linear',
      LOG_LEVEL: 'loud',
      BRIDGE_SECRET: 'short-secret',
      BRIDGE_SHUTDOWN_GRACE_MS: '-1',
    });

    expect(problems).toHaveLength(8);
    expect(problems.join('\n')).toMatch(/PORT must be an integer between 0 and 65535 \(got "99999"\)/);
    expect(problems.join('\n')).toMatch(/EDGE_URL is required/);
    expect(problems.join('\n')).toMatch(/BRIDGE_SECRET must be at least 16 characters/);
    expect(problems.join('\n')).not.toContain('short-secret');
  });

  it('takes a Standard Webhooks ALERT_SIGNING_SECRET, and names a short or malformed one without showing it', () => {
    const good = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(loadConfig({ ...REQUIRED, ALERT_SIGNING_SECRET: good })).toMatchObject({ alertSigningSecret: good, bridgeStaleAfterMs: 30_000 });
    expect(loadConfig(REQUIRED).alertSigningSecret).toBeUndefined();
    for (const bad of [`whsec_${Buffer.alloc(8, 7).toString('base64')}`, 'a-plain-password-of-some-length', 'whsec_not base64!']) {
      const problems = problemsOf({ ...REQUIRED, ALERT_SIGNING_SECRET: bad });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^ALERT_SIGNING_SECRET must be a Standard Webhooks secret: 'whsec_' followed by base64 of 24-64 random bytes/);
      expect(problems[0]).not.toContain(bad);
    }
  });

  it('rejects an EDGE_URL that is not http(s)', () => {
    expect(problemsOf({ ...REQUIRED, EDGE_URL: 'ftp://edge' })).toEqual(['EDGE_URL must use http:// or https:// (got "ftp://edge")']);
  });
});

describe('loadConfig for OpenTelemetry (OTEL_*)', () => {
  it('is off without an OTLP endpoint, or when the SDK or the traces exporter is switched off', () => {
    expect(loadConfig(REQUIRED).otel).toBeUndefined();
    expect(loadConfig({ ...REQUIRED, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_SDK_DISABLED: 'true' }).otel).toBeUndefined();
    expect(loadConfig({ ...REQUIRED, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_TRACES_EXPORTER: 'none' }).otel).toBeUndefined();
  });

  it('sends to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces, or to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is', () => {
    expect(loadConfig({ ...REQUIRED, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/' }).otel).toEqual({
      tracesUrl: 'http://otel:4318/v1/traces',
      serviceName: 'queue-worker-bridge',
      scheduleDelayMs: 5_000,
    });
    const config = loadConfig({
      ...REQUIRED,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example.com/custom/traces',
      OTEL_SERVICE_NAME: 'bridge-eu',
      OTEL_BSP_SCHEDULE_DELAY: '250',
    });
    expect(config.otel).toEqual({ tracesUrl: 'https://collector.example.com/custom/traces', serviceName: 'bridge-eu', scheduleDelayMs: 250 });
  });

  it('refuses a protocol or exporter it does not ship, and an endpoint that is not http(s), without echoing it', () => {
    const problems = problemsOf({
      ...REQUIRED,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://user:secret@otel:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_TRACES_EXPORTER: 'zipkin',
    });
    expect(problems).toEqual([
      'OTEL_TRACES_EXPORTER must be otlp or none (got "zipkin")',
      'OTEL_EXPORTER_OTLP_PROTOCOL must be http/json, the one OTLP protocol the bridge ships (got "grpc")',
      'OTEL_EXPORTER_OTLP_ENDPOINT must use http:// or https://',
    ]);
  });
});

describe('loadConfig for a Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  const CLUSTER = { ...REQUIRED, REDIS_CLUSTER_NODES: 'redis-a:7000, 10.0.0.2:7001,[::1]:7002', QUEUE_PREFIX: '{qw}' };

  it('takes the seed nodes and DATABASE_REDIS_PASSWORD for every node, and never shows the password', () => {
    const config = loadConfig({ ...CLUSTER, DATABASE_REDIS_PASSWORD: 'hunter2-cluster', DATABASE_REDIS_HOST: 'ignored' });

    expect(config.redis).toEqual({
      cluster: [
        { host: 'redis-a', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      password: 'hunter2-cluster',
    });
    expect(describeRedis(config.redis)).toBe('redis cluster redis-a:7000,10.0.0.2:7001,::1:7002');
    expect(loadConfig({ ...CLUSTER, QUEUE_PREFIX: 'app{qw}' }).queuePrefix).toBe('app{qw}');
  });

  it.each(['bull', '{}', 'qw}{', 'a{'])('refuses QUEUE_PREFIX "%s", which has no hash tag, naming the variable', (prefix) => {
    expect(problemsOf({ ...CLUSTER, QUEUE_PREFIX: prefix })).toEqual([
      `QUEUE_PREFIX must contain a Redis Cluster hash tag such as {qw} when REDIS_CLUSTER_NODES is set, so all of a queue's keys share one slot (got "${prefix}")`,
    ]);
    // One Redis needs no hash tag.
    expect(loadConfig({ ...REQUIRED, QUEUE_PREFIX: prefix }).queuePrefix).toBe(prefix);
  });

  it('refuses the default prefix, bad nodes, and REDIS_URL beside it', () => {
    const problems = problemsOf({ ...REQUIRED, REDIS_CLUSTER_NODES: 'redis-a:7000,redis-b,redis-c:70000', REDIS_URL: 'redis://x:6379' });

    expect(problems).toEqual([
      'set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
      'REDIS_CLUSTER_NODES must be a comma-separated list of host:port (got "redis-b")',
      'REDIS_CLUSTER_NODES must be a comma-separated list of host:port (got "redis-c:70000")',
      expect.stringContaining('QUEUE_PREFIX must contain a Redis Cluster hash tag'),
    ]);
  });
});

describe('node bridge/main.ts with a bad configuration', () => {
  it('exits non-zero naming every problem: missing EDGE_URL, bad port', async () => {
    const bridge = BridgeProcess.spawn({ PORT: 'eighty', BRIDGE_SECRET: REQUIRED.BRIDGE_SECRET });

    expect(await bridge.exited).toEqual({ code: 1, signal: null });
    expect(bridge.output).toContain('invalid bridge configuration');
    expect(bridge.output).toContain('EDGE_URL is required');
    expect(bridge.output).toContain('PORT must be an integer between 0 and 65535 (got "eighty")');
  });

  it('exits non-zero when REDIS_CLUSTER_NODES comes with a QUEUE_PREFIX that has no hash tag', async () => {
    const bridge = BridgeProcess.spawn({ ...REQUIRED, REDIS_CLUSTER_NODES: '127.0.0.1:7000', QUEUE_PREFIX: 'jobs' });

    expect(await bridge.exited).toEqual({ code: 1, signal: null });
    expect(bridge.output).toContain('QUEUE_PREFIX must contain a Redis Cluster hash tag such as {qw} when REDIS_CLUSTER_NODES is set');
  });
});
