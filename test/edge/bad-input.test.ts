// Bad requests on every route that takes a body, and bad signatures on every bridge route: each is
// a 4xx JSON error (never a 500) and leaves nothing behind.

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/json.ts';
import { MAX_CONTROL_BODY_BYTES, MAX_JOB_BODY_BYTES } from '../../src/protocol.ts';
import { MAX_BODY_JSON_DEPTH } from '../../src/json.ts';
import {
  adminFetch,
  bridgeSignature,
  dispatchBatch,
  edgeFetch,
  edgeStatus,
  expectError,
  fieldsNamed,
  getRegistration,
  listedQueueNames,
  putRegistration,
  registerStubQueue,
  registrationPath,
  signedFetch,
  stubRequests,
  uniqueQueue,
} from './helpers.ts';

const MiB = 1024 * 1024;
/** The nesting the issue reported (a 30,000-level array in an admin body's `retry`). */
const DEEP = 30_000;

/** One request target: what it accepts, how to send it a body, and how to tell it kept nothing. */
interface Target {
  /** A body the route would accept. */
  valid: Record<string, unknown>;
  /** The same body grown past the route's limit. */
  oversized: Record<string, unknown>;
  send(body: string, headers?: Record<string, string>): Promise<Response>;
  /** Sends a body as a stream, so no Content-Length tells its size up front. */
  sendStream(body: string): Promise<Response>;
  expectNothingStored(): Promise<void>;
}

const streamOf = (text: string): ReadableStream<Uint8Array> => {
  const bytes = new TextEncoder().encode(text);
  const chunk = 16 * 1024;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
};

const adminTarget = (method: 'PUT' | 'PATCH', name: string, expectNothingStored: () => Promise<void>): Omit<Target, 'valid' | 'oversized'> => ({
  send: (body, headers = {}) => adminFetch(registrationPath(name), { method, body, headers }),
  sendStream: (body) => adminFetch(registrationPath(name), { method, body: streamOf(body) }),
  expectNothingStored,
});

const bridgeTarget = (path: string, expectNothingStored: () => Promise<void>): Omit<Target, 'valid' | 'oversized'> => ({
  send: (body, headers = {}) => signedFetch('POST', path, body, headers),
  sendStream: async (body) =>
    edgeFetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Queue-Signature': await bridgeSignature('POST', path, body) },
      body: streamOf(body),
    }),
  expectNothingStored,
});

const routes: Record<string, { limitBytes: number; target: () => Promise<Target> }> = {
  'PUT /admin/registrations/:name': {
    limitBytes: MAX_CONTROL_BODY_BYTES,
    target: async () => {
      const name = uniqueQueue('bad-put');
      return {
        valid: { endpoint: 'http://email-api:3020' },
        oversized: { endpoint: 'http://email-api:3020', path: `/${'a'.repeat(MAX_CONTROL_BODY_BYTES)}` },
        ...adminTarget('PUT', name, async () => {
          expect(await getRegistration(name)).toBeNull();
          expect(await listedQueueNames()).not.toContain(name);
        }),
      };
    },
  },
  'PATCH /admin/registrations/:name': {
    limitBytes: MAX_CONTROL_BODY_BYTES,
    target: async () => {
      const name = uniqueQueue('bad-patch');
      const before = await putRegistration(name, { endpoint: 'http://email-api:3020' });
      return {
        valid: { concurrency: 2 },
        oversized: { concurrency: 2, path: `/${'a'.repeat(MAX_CONTROL_BODY_BYTES)}` },
        ...adminTarget('PATCH', name, async () => expect(await getRegistration(name)).toEqual(before)),
      };
    },
  },
  'POST /internal/dispatch': {
    limitBytes: MAX_JOB_BODY_BYTES,
    target: async () => {
      const queueName = uniqueQueue('bad-dispatch');
      await registerStubQueue(queueName);
      const valid = { jobId: 'job-1', queueName, data: { to: 'ada@example.com' }, attemptsMade: 0 };
      return {
        valid,
        oversized: { ...valid, data: { blob: 'x'.repeat(MiB) } },
        ...bridgeTarget('/internal/dispatch', async () => {
          expect(await stubRequests(queueName)).toEqual([]);
          const queue = (await edgeStatus()).queues.find((q) => q.name === queueName);
          expect(queue?.totals.dispatched).toBe(0);
        }),
      };
    },
  },
  'POST /internal/heartbeat': {
    limitBytes: MAX_CONTROL_BODY_BYTES,
    target: async () => {
      const bridgeId = uniqueQueue('bad-heartbeat');
      const valid = { bridgeId, startedAt: new Date().toISOString(), workers: [] };
      return {
        valid,
        oversized: { ...valid, workers: Array.from({ length: 900 }, (_, i) => ({ queue: `queue-${i}-${'q'.repeat(40)}`, running: true, concurrency: 1 })) },
        ...bridgeTarget('/internal/heartbeat', async () => {
          expect((await edgeStatus()).bridges.bridges.map((b) => b.bridgeId)).not.toContain(bridgeId);
        }),
      };
    },
  },
};

describe.each(Object.entries(routes))('%s', (route, { limitBytes, target }) => {
  it('answers 400 to malformed JSON', async () => {
    const t = await target();
    const error = await expectError(await t.send(JSON.stringify(t.valid).slice(0, -1)), 400);
    expect(error.code).toBe('invalid_json');
    await t.expectNothingStored();
  });

  it('answers 400 naming the limit to a body nested 30,000 levels deep (was a 500 from inside the coordinator)', async () => {
    const t = await target();
    const deep = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
    const error = await expectError(await t.send(`${JSON.stringify(t.valid).slice(0, -1)},"retry":${deep}}`), 400);
    expect(error).toMatchObject({ code: 'invalid_json', details: { maxDepth: MAX_BODY_JSON_DEPTH } });
    expect(error.message).toContain(`deeper than ${MAX_BODY_JSON_DEPTH} levels`);
    await t.expectNothingStored();
  });

  it('answers 400 to an empty body', async () => {
    const t = await target();
    await expectError(await t.send(''), 400);
    await t.expectNothingStored();
  });

  it.each([
    ['a JSON array', '[]'],
    ['an array holding the valid body', null],
    ['a JSON string', '"hello"'],
    ['null', 'null'],
    ['a number', '42'],
  ])('answers 400 naming `body` to %s instead of an object', async (_label, raw) => {
    const t = await target();
    const error = await expectError(await t.send(raw ?? JSON.stringify([t.valid])), 400);
    expect(fieldsNamed(error)).toContain('body');
    await t.expectNothingStored();
  });

  // Signed routes let the signature judge: no signer can sign bytes that are not text.
  const signed = route.includes(' /internal/');
  it(`answers ${signed ? '401' : '400'} to bytes that are not UTF-8, rather than store them as U+FFFD (issue 11)`, async () => {
    const t = await target();
    const valid = new TextEncoder().encode(JSON.stringify(t.valid));
    // An invalid byte inside the first string value: still JSON-shaped, but not text.
    const at = valid.indexOf(0x22, valid.indexOf(0x3a)) + 1;
    const bytes = new Uint8Array([...valid.slice(0, at), 0xff, 0xfe, ...valid.slice(at)]);
    const error = await expectError(await t.send(bytes as unknown as string), signed ? 401 : 400);
    expect(error.code).toBe(signed ? 'unauthorized' : 'invalid_encoding');
    await t.expectNothingStored();
  });

  it('answers 415 to a valid JSON body sent as text/plain', async () => {
    const t = await target();
    const error = await expectError(await t.send(JSON.stringify(t.valid), { 'Content-Type': 'text/plain' }), 415);
    expect(error.code).toBe('unsupported_media_type');
    await t.expectNothingStored();
  });

  it('answers 413 to a body over the limit', async () => {
    const t = await target();
    const body = JSON.stringify(t.oversized);
    expect(body.length).toBeGreaterThan(limitBytes);
    const error = await expectError(await t.send(body), 413);
    expect(error).toMatchObject({ code: 'payload_too_large', details: { limitBytes } });
    await t.expectNothingStored();
  });

  it('answers 413 to a body over the limit that comes without a Content-Length', async () => {
    const t = await target();
    await expectError(await t.sendStream(JSON.stringify(t.oversized)), 413);
    await t.expectNothingStored();
  });

  it('accepts the valid body (so the rejections above are about the input)', async () => {
    const t = await target();
    const response = await t.send(JSON.stringify(t.valid));
    expect(response.status).toBeLessThan(300);
  });
});

describe('JSON nesting', () => {
  const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : [nested(depth - 1)]);

  it('refuses a producer body nested 30,000 levels before looking the queue up', async () => {
    const deep = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
    const response = await edgeFetch(`/queues/${uniqueQueue('deep')}/jobs`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${env.PRODUCER_TOKEN}`, 'Content-Type': 'application/json' },
      body: `{"data":${deep}}`,
    });
    expect(await expectError(response, 400)).toMatchObject({ code: 'invalid_json', details: { maxDepth: MAX_BODY_JSON_DEPTH } });
  });

  it('still takes a batch whose job data nests as deep as job data may', async () => {
    const queueName = uniqueQueue('deep-ok');
    await registerStubQueue(queueName);
    const lines = await dispatchBatch(queueName, [{ jobId: 'deepest', data: nested(MAX_JSON_DEPTH) }]);
    expect(lines).toMatchObject([{ jobId: 'deepest', outcome: 'completed' }]);
  });

  it('counts brackets only outside strings, escaped quotes included', async () => {
    const name = uniqueQueue('brackets');
    const path = `/"${'['.repeat(200)}`;
    const response = await adminFetch(registrationPath(name), { method: 'PUT', body: JSON.stringify({ endpoint: 'http://email-api', path }) });
    expect(response.status).toBe(201);
    expect(await getRegistration(name)).toMatchObject({ path });
  });
});

describe('POST /internal/dispatch fields', () => {
  it('answers 400 naming each bad field, and calls no feature', async () => {
    const queueName = uniqueQueue('bad-fields');
    await registerStubQueue(queueName);
    const body = JSON.stringify({ jobId: '', queueName, attemptsMade: -1, name: 7 });
    const error = await expectError(await signedFetch('POST', '/internal/dispatch', body), 400);
    expect(fieldsNamed(error).sort()).toEqual(['attemptsMade', 'jobId', 'name']);
    expect(await stubRequests(queueName)).toEqual([]);
  });

  it('answers 400 naming `queueName` for a name no queue can have', async () => {
    const body = JSON.stringify({ jobId: 'job-1', queueName: '../admin', data: {}, attemptsMade: 0 });
    expect(fieldsNamed(await expectError(await signedFetch('POST', '/internal/dispatch', body), 400))).toEqual(['queueName']);
  });
});

describe.each([
  ['POST', '/internal/dispatch'],
  ['POST', '/internal/heartbeat'],
  ['GET', '/internal/registrations'],
])('bridge signature on %s %s', (method, path) => {
  const body = method === 'GET' ? '' : JSON.stringify({ bridgeId: 'sig-test', startedAt: new Date().toISOString(), workers: [], jobId: 'j', queueName: 'sig-test', attemptsMade: 0 });
  const now = () => Math.floor(Date.now() / 1000);
  const sendSigned = (signature: string | undefined) =>
    edgeFetch(path, {
      method,
      headers: { 'Content-Type': 'application/json', ...(signature === undefined ? {} : { 'X-Queue-Signature': signature }) },
      body: method === 'GET' ? undefined : body,
    });
  const expectUnauthorized = async (signature: string | undefined) => {
    expect((await expectError(await sendSigned(signature), 401)).code).toBe('unauthorized');
  };

  it('is accepted when right (so each 401 below is about the signature)', async () => {
    expect((await sendSigned(await bridgeSignature(method, path, body))).status).not.toBe(401);
  });

  it('answers 401 when unsigned', async () => {
    await expectUnauthorized(undefined);
  });

  it('answers 401 to a signature made with another secret', async () => {
    await expectUnauthorized(await bridgeSignature(method, path, body, { secret: `${env.BRIDGE_SECRET}-old` }));
  });

  it.each([
    ['six minutes old', -360],
    ['six minutes in the future', 360],
  ])('answers 401 to a timestamp %s', async (_label, offsetSeconds) => {
    await expectUnauthorized(await bridgeSignature(method, path, body, { t: now() + offsetSeconds }));
  });

  it('accepts a timestamp four minutes old (inside the window)', async () => {
    expect((await sendSigned(await bridgeSignature(method, path, body, { t: now() - 240 }))).status).not.toBe(401);
  });

  it('answers 401 to a signature for another path', async () => {
    const other = path === '/internal/heartbeat' ? '/internal/dispatch' : '/internal/heartbeat';
    await expectUnauthorized(await bridgeSignature(method, other, body));
  });

  it('answers 401 to a signature for another method', async () => {
    await expectUnauthorized(await bridgeSignature(method === 'GET' ? 'POST' : 'GET', path, body));
  });

  it('answers 401 to a signature for another body', async () => {
    await expectUnauthorized(await bridgeSignature(method, path, body === '' ? '{}' : body.replace('sig-test', 'sig-tost')));
  });

  it.each(['', 'garbage', 't=,v1=', 't=abc,v1=00ff', `t=${Math.floor(Date.now() / 1000)}`, 'v1=00ff', `t=${Math.floor(Date.now() / 1000)},v1=xyz`])(
    'answers 401 to the malformed header %j',
    async (header) => {
      await expectUnauthorized(header);
    },
  );
});

describe('bridge routes check the signature header before reading the body', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const bogus = (n: number) => Array.from({ length: n }, (_, i) => `v1=${i.toString(16).padStart(64, 'a')}`).join(',');
  /** A body that never ends: a route that starts reading it never answers. */
  const endlessBody = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"queueName":"q","jobs":['));
      },
    });
  const withinDeadline = <T>(promise: Promise<T>): Promise<T> =>
    Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('the edge read the body before refusing the header')), 5_000))]);

  it.each([
    ['no signature', undefined, 'missing'],
    ['three v1 values', () => `t=${now()},${bogus(3)}`, 'malformed'],
    ['200 bogus v1 values', () => `t=${now()},${bogus(200)}`, 'malformed'],
    ['a v1 that is not 64 hex characters', () => `t=${now()},v1=${'a'.repeat(63)}`, 'malformed'],
    ['two timestamps', () => `t=${now()},t=${now()},${bogus(1)}`, 'malformed'],
    ['a stale timestamp', () => `t=${now() - 360},${bogus(1)}`, 'outside the 5-minute window'],
  ])('answers 401 to %s on a 4 MiB batch route without reading the body', async (_label, header, message) => {
    const response = await withinDeadline(
      edgeFetch('/internal/dispatch/batch', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(header ? { 'X-Queue-Signature': header() } : {}) },
        body: endlessBody(),
      }),
    );
    expect((await expectError(response, 401)).message).toContain(message);
  });

  it('answers 413 to a 1 MiB dispatch with a well-formed but wrong signature, without reading it all', async () => {
    const response = await edgeFetch('/internal/dispatch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Queue-Signature': `t=${now()},${bogus(2)}` },
      body: JSON.stringify({ jobId: 'j', queueName: 'q', data: 'x'.repeat(MiB), attemptsMade: 0 }),
    });
    await expectError(response, 413);
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/nope'],
    ['POST', '/internal/nope'],
    ['DELETE', '/health'],
    ['POST', '/admin/registrations'],
  ])('answer %s %s with 404 JSON', async (method, path) => {
    const response = await adminFetch(path, { method, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
    expect((await expectError(response, 404)).code).toBe('not_found');
  });
});
