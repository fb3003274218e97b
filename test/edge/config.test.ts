// The edge's secrets: one missing or shorter than 16 characters is a configuration error — 503
// `not_configured` naming the secret, never showing its value — and nothing runs behind it.

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH } from '../../src/protocol.ts';
import { app } from '../../worker/app.ts';
import { bridgeSignature, EDGE, registerStubQueue, stubRequests, uniqueQueue } from './helpers.ts';

/** One character short, and recognisable if it ever leaked into an answer. */
const SHORT_SECRET = 'leaky-secret-15';

type SecretName = 'ADMIN_TOKEN' | 'PRODUCER_TOKEN' | 'BRIDGE_SECRET' | 'BRIDGE_SECRET_NEXT' | 'FEATURE_SIGNING_SECRET' | 'FEATURE_SIGNING_SECRET_NEXT';

/** The edge app with one binding replaced, as a deployment with that secret would run it. */
const fetchWith = (overrides: Record<string, string | undefined>, path: string, init: RequestInit): Promise<Response> =>
  Promise.resolve(app.request(`${EDGE}${path}`, init, { ...env, ...overrides }));

/** A request the secret guards, made right in every other way. */
const requestGuardedBy = async (name: SecretName, queueName: string): Promise<[string, RequestInit]> => {
  switch (name) {
    case 'ADMIN_TOKEN':
      return ['/internal/status', { headers: { Authorization: `Bearer ${SHORT_SECRET}` } }];
    case 'PRODUCER_TOKEN':
      return [`/queues/${queueName}/jobs`, { method: 'POST', headers: { Authorization: `Bearer ${SHORT_SECRET}`, 'Content-Type': 'application/json' }, body: '{"data":{}}' }];
    case 'BRIDGE_SECRET':
    case 'BRIDGE_SECRET_NEXT':
      return ['/internal/registrations', { headers: { 'X-Queue-Signature': await bridgeSignature('GET', '/internal/registrations') } }];
    case 'FEATURE_SIGNING_SECRET':
    case 'FEATURE_SIGNING_SECRET_NEXT': {
      const body = JSON.stringify({ jobId: 'job-1', queueName, data: {}, attemptsMade: 0 });
      const signature = await bridgeSignature('POST', '/internal/dispatch', body);
      return ['/internal/dispatch', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Queue-Signature': signature }, body }];
    }
  }
};

describe('edge secrets', () => {
  it('the short value used below is one character short', () => {
    expect(SHORT_SECRET).toHaveLength(MIN_SECRET_LENGTH - 1);
  });

  it.each<SecretName>(['ADMIN_TOKEN', 'PRODUCER_TOKEN', 'BRIDGE_SECRET', 'BRIDGE_SECRET_NEXT', 'FEATURE_SIGNING_SECRET', 'FEATURE_SIGNING_SECRET_NEXT'])(
    '%s shorter than 16 characters → 503 not_configured naming it, without its value, and no feature call',
    async (name) => {
      const queueName = uniqueQueue('short-secret');
      await registerStubQueue(queueName);
      const [path, init] = await requestGuardedBy(name, queueName);

      const response = await fetchWith({ [name]: SHORT_SECRET }, path, init);

      expect(response.status).toBe(503);
      const text = await response.text();
      expect(text).not.toContain(SHORT_SECRET);
      const { error } = JSON.parse(text) as { error: { code: string; message: string; details: unknown } };
      expect(error.code).toBe('not_configured');
      expect(error.message).toBe(`the edge's ${name} secret is shorter than ${MIN_SECRET_LENGTH} characters`);
      expect(error.details).toEqual({ name, problem: 'too_short' });
      expect(await stubRequests(queueName)).toEqual([]);
    },
  );

  it.each<SecretName>(['ADMIN_TOKEN', 'PRODUCER_TOKEN', 'BRIDGE_SECRET', 'FEATURE_SIGNING_SECRET'])('%s missing → 503 not_configured naming it', async (name) => {
    const [path, init] = await requestGuardedBy(name, uniqueQueue('no-secret'));
    const response = await fetchWith({ [name]: undefined }, path, init);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'not_configured', message: `the edge has no ${name} secret set` } });
  });
});
