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

describe('node bridge/main.ts with a bad configuration', () => {
  it('exits non-zero naming every problem: missing EDGE_URL, bad port', async () => {
    const bridge = BridgeProcess.spawn({ PORT: 'eighty', BRIDGE_SECRET: REQUIRED.BRIDGE_SECRET });

    expect(await bridge.exited).toEqual({ code: 1, signal: null });
    expect(bridge.output).toContain('invalid bridge configuration');
    expect(bridge.output).toContain('EDGE_URL is required');
    expect(bridge.output).toContain('PORT must be an integer between 0 and 65535 (got "eighty")');
  });
});
