import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Registration } from '../../src/protocol.ts';
import {
  adminFetch,
  edgeFetch,
  expectError,
  fieldsNamed,
  getRegistration,
  listedQueueNames,
  putRegistration,
  registrationPath,
  uniqueQueue,
} from './helpers.ts';

const ENDPOINT = 'http://email-api:3020';

const put = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  adminFetch(registrationPath(name), { method: 'PUT', body: JSON.stringify(body), headers });
const patch = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  adminFetch(registrationPath(name), { method: 'PATCH', body: JSON.stringify(body), headers });
const del = (name: string, headers: Record<string, string> = {}) => adminFetch(registrationPath(name), { method: 'DELETE', headers });

/** Everything but what every write changes, to compare two versions of one registration. */
const settings = ({ version: _version, updatedAt: _updatedAt, ...rest }: Registration) => rest;

describe('admin auth', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/admin/registrations'],
    ['GET', registrationPath('email')],
    ['PUT', registrationPath('email'), { endpoint: ENDPOINT }],
    ['PATCH', registrationPath('email'), { concurrency: 2 }],
    ['DELETE', registrationPath('email')],
  ];

  it.each(routes)('%s %s answers 401 JSON without a token', async (method, path, body) => {
    const response = await edgeFetch(path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    expect((await expectError(response, 401)).code).toBe('unauthorized');
    expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
  });

  it.each(routes)('%s %s answers 401 JSON with a wrong token', async (method, path, body) => {
    const init = { method, body: body === undefined ? undefined : JSON.stringify(body) };
    await expectError(await adminFetch(path, init, 'not-the-admin-token'), 401);
    await expectError(await adminFetch(path, init, `${env.ADMIN_TOKEN}x`), 401);
  });

  it('rejects a token sent with another scheme', async () => {
    const response = await edgeFetch('/admin/registrations', { headers: { Authorization: 'Basic dGVzdC1hZG1pbi10b2tlbg==' } });
    await expectError(response, 401);
  });

  it('stores nothing for an unauthorised PUT', async () => {
    const name = uniqueQueue('unauth');
    await expectError(await adminFetch(registrationPath(name), { method: 'PUT', body: JSON.stringify({ endpoint: ENDPOINT }) }, 'wrong'), 401);
    expect(await getRegistration(name)).toBeNull();
  });
});

describe('admin validation', () => {
  /** PUTs `body` as a new queue and returns the fields the 400 names; nothing may be stored. */
  const rejectedFields = async (body: unknown, name = uniqueQueue('invalid')): Promise<string[]> => {
    const error = await expectError(await put(name, body), 400);
    expect(error.code).toBe('invalid_request');
    if (/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) expect(await getRegistration(name)).toBeNull();
    return fieldsNamed(error);
  };

  it.each(['Email', 'email.v2', '-email', '_email', 'e'.repeat(64), 'em%20ail'])('names `name` for the bad queue name %j in the URL', async (name) => {
    expect(await rejectedFields({ endpoint: ENDPOINT }, name)).toContain('name');
  });

  it('names `name` when the body names another queue than the URL', async () => {
    expect(await rejectedFields({ name: 'someone-else', endpoint: ENDPOINT })).toEqual(['name']);
  });

  it.each(['ftp://email-api/jobs', 'javascript:alert(1)', 'not a url', '/relative/path', '', 'http://user:pw@email-api', 42])(
    'names `endpoint` for %j',
    async (endpoint) => {
      expect(await rejectedFields({ endpoint })).toEqual(['endpoint']);
    },
  );

  it('requires an endpoint when creating', async () => {
    expect(await rejectedFields({ concurrency: 2 })).toEqual(['endpoint']);
  });

  it.each([0, -1, 100_000, 2.5])('names `concurrency` for %j', async (concurrency) => {
    expect(await rejectedFields({ endpoint: ENDPOINT, concurrency })).toEqual(['concurrency']);
  });

  it.each([0, 99, 15 * 60 * 1000 + 1, 1e12])('names `timeoutMs` for %j', async (timeoutMs) => {
    expect(await rejectedFields({ endpoint: ENDPOINT, timeoutMs })).toEqual(['timeoutMs']);
  });

  it.each([
    ['concurrency', { concurrency: '5' }],
    ['timeoutMs', { timeoutMs: '30000' }],
    ['paused', { paused: 'yes' }],
    ['paused', { paused: 1 }],
    ['path', { path: 'internal/process-job' }],
    ['retry', { retry: 3 }],
    ['retry.attempts', { retry: { attempts: 1.5 } }],
    ['retry.attempts', { retry: { attempts: 0 } }],
    ['retry.backoff', { retry: { backoff: 'exponential' } }],
    ['retry.backoff.type', { retry: { backoff: { type: 'linear' } } }],
    ['retry.backoff.jitter', { retry: { backoff: { jitter: 2 } } }],
    ['retry.backoff.maxDelayMs', { retry: { backoff: { delayMs: 5000, maxDelayMs: 1000 } } }],
  ])('names `%s` for %j', async (field, fields) => {
    expect(await rejectedFields({ endpoint: ENDPOINT, ...fields })).toEqual([field]);
  });

  it('names unknown fields, nested ones with their path', async () => {
    expect(await rejectedFields({ endpoint: ENDPOINT, colour: 'red' })).toEqual(['colour']);
    expect(await rejectedFields({ endpoint: ENDPOINT, retry: { tries: 3 } })).toEqual(['retry.tries']);
    expect(await rejectedFields({ endpoint: ENDPOINT, retry: { backoff: { factor: 2 } } })).toEqual(['retry.backoff.factor']);
  });

  it('answers one error per bad field when several are wrong', async () => {
    const fields = await rejectedFields({
      endpoint: 'ftp://email-api',
      concurrency: 0,
      timeoutMs: 'soon',
      paused: 'yes',
      retry: { attempts: 1.5, backoff: { type: 'linear' } },
      colour: 'red',
    });
    expect(fields.sort()).toEqual(['colour', 'concurrency', 'endpoint', 'paused', 'retry.attempts', 'retry.backoff.type', 'timeoutMs']);
  });

  it('answers 400 for malformed JSON and stores nothing', async () => {
    const name = uniqueQueue('malformed');
    const error = await expectError(await adminFetch(registrationPath(name), { method: 'PUT', body: '{"endpoint": "http://email-api",' }), 400);
    expect(error.code).toBe('invalid_json');
    expect(await getRegistration(name)).toBeNull();
  });

  it('checks a PATCH body before asking the coordinator: a bad field on an unknown queue is a 400, not a 404', async () => {
    const name = uniqueQueue('patch-unknown');
    const error = await expectError(await patch(name, { concurrency: 0 }), 400);
    expect(fieldsNamed(error)).toEqual(['concurrency']);
    expect(await getRegistration(name)).toBeNull();
  });

  it('validates a PATCH the same way and leaves the queue as it was', async () => {
    const name = uniqueQueue('patch-invalid');
    const before = await putRegistration(name, { endpoint: ENDPOINT, concurrency: 4 });
    const error = await expectError(await patch(name, { concurrency: 0, paused: 'yes' }), 400);
    expect(fieldsNamed(error).sort()).toEqual(['concurrency', 'paused']);
    expect(await getRegistration(name)).toEqual(before);
  });
});

describe('admin registrations', () => {
  it('fills every omitted field from the defaults in vars', async () => {
    const name = uniqueQueue('defaults');
    const created = await putRegistration(name, { endpoint: ENDPOINT });
    expect(created).toMatchObject({
      name,
      endpoint: ENDPOINT,
      path: '/internal/process-job',
      concurrency: 5,
      timeoutMs: 30_000,
      retry: { attempts: 3, backoff: { type: 'exponential' } },
      paused: false,
      version: 1,
    });
    expect(Date.parse(created.updatedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('creates, reads, patches, replaces and deletes a queue', async () => {
    const name = uniqueQueue('lifecycle');

    const created = await put(name, { endpoint: ENDPOINT, concurrency: 10, timeoutMs: 15_000, retry: { backoff: { delayMs: 500 } } });
    expect(created.status).toBe(201);
    expect(created.headers.get('ETag')).toBe('"1"');
    expect(created.headers.get('Location')).toBe(registrationPath(name));
    const v1 = await created.json<Registration>();
    expect(v1).toMatchObject({ name, concurrency: 10, timeoutMs: 15_000, version: 1 });

    const read = await adminFetch(registrationPath(name));
    expect(read.status).toBe(200);
    expect(read.headers.get('ETag')).toBe('"1"');
    expect(await read.json()).toEqual(v1);

    const patched = await patch(name, { concurrency: 3 });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('ETag')).toBe('"2"');
    const v2 = await patched.json<Registration>();
    expect(v2.version).toBe(2);
    expect(settings(v2)).toEqual({ ...settings(v1), concurrency: 3 });

    // Nested objects merge field by field: only backoff.jitter changes.
    const v3 = await (await patch(name, { retry: { backoff: { jitter: 0 } } })).json<Registration>();
    expect(v3.version).toBe(3);
    expect(settings(v3)).toEqual({ ...settings(v2), retry: { ...v2.retry, backoff: { ...v2.retry.backoff, jitter: 0 } } });
    expect(v3.retry.backoff.delayMs).toBe(500);

    // PUT replaces: whatever it leaves out goes back to the defaults.
    const replaced = await put(name, { endpoint: 'https://email-api.example', timeoutMs: 1_000 });
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('ETag')).toBe('"4"');
    const v4 = await replaced.json<Registration>();
    expect(v4).toMatchObject({ endpoint: 'https://email-api.example', timeoutMs: 1_000, concurrency: 5, version: 4 });
    expect(v4.retry.backoff).toMatchObject({ delayMs: 1_000, jitter: 0.2 });
    expect(await getRegistration(name)).toEqual(v4);

    const deleted = await del(name);
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect((await expectError(await adminFetch(registrationPath(name)), 404)).code).toBe('not_found');
    expect(await listedQueueNames()).not.toContain(name);
  });

  it('honours If-Match on PUT, PATCH and DELETE: 412 when stale, success with the current ETag', async () => {
    const name = uniqueQueue('if-match');
    await putRegistration(name, { endpoint: ENDPOINT });
    await patch(name, { concurrency: 2 }); // now at version 2

    const stalePut = await expectError(await put(name, { endpoint: ENDPOINT, concurrency: 9 }, { 'If-Match': '"1"' }), 412);
    expect(stalePut).toMatchObject({ code: 'precondition_failed', details: { currentVersion: 2 } });
    await expectError(await patch(name, { concurrency: 9 }, { 'If-Match': '"1"' }), 412);
    await expectError(await del(name, { 'If-Match': '"1"' }), 412);
    expect(await getRegistration(name)).toMatchObject({ version: 2, concurrency: 2 });

    const putOk = await put(name, { endpoint: ENDPOINT, concurrency: 7 }, { 'If-Match': '"2"' });
    expect(putOk.status).toBe(200);
    const patchOk = await patch(name, { concurrency: 8 }, { 'If-Match': putOk.headers.get('ETag')! });
    expect(patchOk.status).toBe(200);
    expect((await del(name, { 'If-Match': patchOk.headers.get('ETag')! })).status).toBe(204);
    expect(await getRegistration(name)).toBeNull();
  });

  it('answers 412 to If-Match: * on a queue that does not exist, and stores nothing', async () => {
    const name = uniqueQueue('if-match-star');
    const error = await expectError(await put(name, { endpoint: ENDPOINT }, { 'If-Match': '*' }), 412);
    expect(error.details).toEqual({ currentVersion: null });
    expect(await getRegistration(name)).toBeNull();

    await putRegistration(name, { endpoint: ENDPOINT });
    expect((await put(name, { endpoint: ENDPOINT }, { 'If-Match': '*' })).status).toBe(200);
  });

  it('answers 404 JSON to GET, PATCH and DELETE of an unknown queue', async () => {
    const name = uniqueQueue('unknown');
    expect((await expectError(await adminFetch(registrationPath(name)), 404)).message).toContain(name);
    await expectError(await patch(name, { concurrency: 2 }), 404);
    await expectError(await del(name), 404);
    expect(await getRegistration(name)).toBeNull();
  });

  it('lists created queues sorted by name', async () => {
    const prefix = uniqueQueue('list');
    const names = [`${prefix}-c`, `${prefix}-a`, `${prefix}-b`];
    for (const name of names) await putRegistration(name, { endpoint: ENDPOINT });
    const listed = await listedQueueNames();
    expect(listed.filter((name) => name.startsWith(prefix))).toEqual([...names].sort());
  });

  it('gives a queue re-created after deletion a higher version, so an old ETag never matches again', async () => {
    const name = uniqueQueue('recreate');
    await putRegistration(name, { endpoint: ENDPOINT });
    const before = await (await patch(name, { concurrency: 2 })).json<Registration>();
    expect((await del(name)).status).toBe(204);

    const recreated = await put(name, { endpoint: ENDPOINT });
    expect(recreated.status).toBe(201);
    const after = await recreated.json<Registration>();
    expect(after.version).toBeGreaterThan(before.version);
    expect(recreated.headers.get('ETag')).toBe(`"${after.version}"`);
    await expectError(await patch(name, { concurrency: 3 }, { 'If-Match': `"${before.version}"` }), 412);
  });
});
