// GET /internal/registrations: what the bridge polls, cheaply, with an ETag over the whole set.

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Registration, RegistrationsResponse } from '../../src/protocol.ts';
import { registrationKey } from '../../worker/registry.ts';
import { adminFetch, bridgeSignature, edgeFetch, patchRegistration, putRegistration, registrationPath, signedFetch, uniqueQueue } from './helpers.ts';

const poll = (etag?: string, path = '/internal/registrations') =>
  signedFetch('GET', path, '', etag === undefined ? {} : { 'If-None-Match': etag });

const listed = async (response: Response, name: string): Promise<Registration | undefined> => {
  expect(response.status).toBe(200);
  const { registrations } = await response.json<RegistrationsResponse>();
  return registrations.find((registration) => registration.name === name);
};

describe('GET /internal/registrations', () => {
  it('answers every registration with an ETag', async () => {
    const name = uniqueQueue('sync');
    const created = await putRegistration(name, { endpoint: 'http://email-api:3020', concurrency: 4 });
    const response = await poll();
    expect(response.headers.get('ETag')).toMatch(/^"[^"]+"$/);
    expect(await listed(response, name)).toEqual(created);
  });

  it('answers 304 with no body while nothing changed', async () => {
    await putRegistration(uniqueQueue('sync'), { endpoint: 'http://email-api:3020' });
    const etag = (await poll()).headers.get('ETag')!;

    const unchanged = await poll(etag);
    expect(unchanged.status).toBe(304);
    expect(unchanged.headers.get('ETag')).toBe(etag);
    expect(await unchanged.text()).toBe('');

    expect((await poll(`"something-else", ${etag}`)).status).toBe(304);
    expect((await poll(`W/${etag}`)).status).toBe(304);
    expect((await poll('"something-else"')).status).toBe(200);
  });

  it('costs one registry-index call and no KV operation per poll, changed or not', async () => {
    await putRegistration(uniqueQueue('sync'), { endpoint: 'http://email-api:3020' });
    const usage = async () => (await (await signedFetch('GET', '/internal/usage')).json<{ registryIndex: { doRequests: number; kvReads: number; kvLists: number } }>()).registryIndex;
    const before = await usage();
    const etag = (await poll()).headers.get('ETag')!;
    for (let i = 0; i < 5; i++) expect((await poll(etag)).status).toBe(304);
    const after = await usage();
    expect(after.doRequests - before.doRequests).toBe(6);
    expect(after.kvReads + after.kvLists).toBe(before.kvReads + before.kvLists);
  });

  it('an index that starts empty (a deployment that predates it) fills itself once from KV', async () => {
    const name = uniqueQueue('from-kv');
    const stored = { ...(await putRegistration(name, { endpoint: 'http://email-api:3020' })), concurrency: 9 };
    await env.REGISTRATIONS.put(registrationKey(name), JSON.stringify(stored));
    const fresh = env.REGISTRY_INDEX.getByName(uniqueQueue('fresh-index'));
    const { registrations } = await fresh.read();
    expect(registrations?.find((r) => r.name === name)).toEqual(stored);
    expect(await fresh.usage()).toMatchObject({ kvLists: 1 });
  });

  it('changes the ETag after a PATCH and lists the new version', async () => {
    const name = uniqueQueue('sync');
    await putRegistration(name, { endpoint: 'http://email-api:3020', concurrency: 4 });
    const before = (await poll()).headers.get('ETag')!;

    const patched = await patchRegistration(name, { concurrency: 1 });
    const after = await poll(before);
    expect(after.headers.get('ETag')).not.toBe(before);
    expect(await listed(after, name)).toMatchObject({ concurrency: 1, version: patched.version });
    expect(patched.version).toBe(2);
  });

  it('changes the ETag when a queue is added or deleted', async () => {
    const name = uniqueQueue('sync');
    const before = (await poll()).headers.get('ETag')!;
    await putRegistration(name, { endpoint: 'http://email-api:3020' });
    const added = await poll(before);
    expect(await listed(added, name)).toBeDefined();

    expect((await adminFetch(registrationPath(name), { method: 'DELETE' })).status).toBe(204);
    const deleted = await poll(added.headers.get('ETag')!);
    expect(await listed(deleted, name)).toBeUndefined();
    expect(deleted.headers.get('ETag')).toBe(before);
  });

  it('accepts a signature over the path alone when the URL has a query string', async () => {
    const response = await edgeFetch('/internal/registrations?since=1', {
      headers: { 'X-Queue-Signature': await bridgeSignature('GET', '/internal/registrations') },
    });
    expect(response.status).toBe(200);
  });
});
