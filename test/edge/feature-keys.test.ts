// Feature calls are signed per queue (ARCHITECTURE "Dispatch"): with the queue's own key, derived
// from FEATURE_SIGNING_SECRET, and while FEATURE_SIGNING_SECRET_NEXT is set with the next key as well.

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { queueKey } from '../../src/feature-keys.ts';
import { SignatureVerifier } from '../../src/signing.ts';
import { app } from '../../worker/app.ts';
import { adminFetch, bridgeSignature, dispatch, EDGE, registerStubQueue, stubRequests, uniqueQueue } from './helpers.ts';

const NEXT_SECRET = 'the-next-feature-signing-secret';

const verifies = async (key: string, header: string, rawBody: string): Promise<boolean> =>
  (await new SignatureVerifier({ currentSecret: key }).verifyFeatureBody(header, rawBody)).ok;

describe('feature call signatures', () => {
  it("are made with the queue's own key: not another queue's key, not the platform secret", async () => {
    const queueName = uniqueQueue('keyed');
    const otherQueue = uniqueQueue('keyed-other');
    await registerStubQueue(queueName);
    expect(await dispatch({ queueName })).toMatchObject({ outcome: 'completed' });

    const [call] = await stubRequests(queueName);
    const header = call.headers['x-queue-signature'];
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await verifies(await queueKey(env.FEATURE_SIGNING_SECRET, queueName), header, call.rawBody)).toBe(true);
    expect(await verifies(await queueKey(env.FEATURE_SIGNING_SECRET, otherQueue), header, call.rawBody)).toBe(false);
    expect(await verifies(env.FEATURE_SIGNING_SECRET, header, call.rawBody)).toBe(false);
  });

  it('carry a second v1 made with the next key while FEATURE_SIGNING_SECRET_NEXT is set, so either key verifies', async () => {
    const queueName = uniqueQueue('rotating');
    await registerStubQueue(queueName);
    const body = JSON.stringify({ jobId: 'job-1', queueName, data: {}, attemptsMade: 0 });
    const response = await app.request(
      `${EDGE}/internal/dispatch`,
      { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Queue-Signature': await bridgeSignature('POST', '/internal/dispatch', body) }, body },
      { ...env, FEATURE_SIGNING_SECRET_NEXT: NEXT_SECRET },
    );
    expect(await response.json()).toMatchObject({ outcome: 'completed' });

    const [call] = await stubRequests(queueName);
    const header = call.headers['x-queue-signature'];
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(await verifies(await queueKey(env.FEATURE_SIGNING_SECRET, queueName), header, call.rawBody)).toBe(true);
    expect(await verifies(await queueKey(NEXT_SECRET, queueName), header, call.rawBody)).toBe(true);
    expect(await verifies(await queueKey('a-secret-nobody-has', queueName), header, call.rawBody)).toBe(false);
  });
});

describe('GET /admin/registrations/:name/keys', () => {
  it("answers the queue's key to the admin token, and the next key too while FEATURE_SIGNING_SECRET_NEXT is set", async () => {
    const queueName = uniqueQueue('keys');
    await registerStubQueue(queueName);
    const response = await adminFetch(`/admin/registrations/${queueName}/keys`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await response.json()).toEqual({ key: await queueKey(env.FEATURE_SIGNING_SECRET, queueName) });

    const rotating = await app.request(
      `${EDGE}/admin/registrations/${queueName}/keys`,
      { headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}` } },
      { ...env, FEATURE_SIGNING_SECRET_NEXT: NEXT_SECRET },
    );
    expect(await rotating.json()).toEqual({ key: await queueKey(env.FEATURE_SIGNING_SECRET, queueName), nextKey: await queueKey(NEXT_SECRET, queueName) });
  });

  it('refuses without the admin token (401) and answers 404 for a queue that is not registered', async () => {
    const queueName = uniqueQueue('keys-refused');
    await registerStubQueue(queueName);
    const unauthorised = await adminFetch(`/admin/registrations/${queueName}/keys`, {}, 'not-the-admin-token');
    expect(unauthorised.status).toBe(401);
    expect(await unauthorised.text()).not.toMatch(/[0-9a-f]{64}/);

    const unknown = await adminFetch(`/admin/registrations/${uniqueQueue('keys-unknown')}/keys`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
