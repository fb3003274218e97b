// The endpoint policy through the edge's public surface (issue 11, SSRF): registrations that point
// the edge at metadata, at itself or into a private network are refused with a 400 naming the
// field, and a stored registration the policy now refuses is never fetched at dispatch time.
// Requests go through the Worker's own fetch with a copy of env, so the same test can run with
// ALLOW_PRIVATE_ENDPOINTS on (as the tests' bindings have it) and off (as production has it).

import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { DispatchBatchLine, DispatchOutcome, Registration } from '../../src/protocol.ts';
import worker from '../../worker/index.ts';
import { bridgeSignature, EDGE, expectError, fieldsNamed, getRegistration, registerStubQueue, registrationPath, stubRequests, uniqueQueue } from './helpers.ts';

const PRODUCTION = { ALLOW_PRIVATE_ENDPOINTS: 'false' };
const LOCAL_DEV = { ALLOW_PRIVATE_ENDPOINTS: 'true' };
const METADATA_MESSAGE = 'must not be a link-local or cloud metadata address';

type Vars = typeof PRODUCTION;

/** The Worker's fetch with `vars` over the test bindings, as if the request had reached `origin`. */
const workerFetch = async (vars: Vars, path: string, init: RequestInit, origin = EDGE): Promise<Response> => {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${origin}${path}`, init), { ...env, ...vars }, ctx);
  const body = await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return new Response(body, response);
};

const adminWrite = (vars: Vars, method: 'PUT' | 'PATCH', name: string, body: unknown) =>
  workerFetch(vars, registrationPath(name), {
    method,
    headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

const signedPost = async (vars: Vars, path: string, body: unknown, origin = EDGE): Promise<Response> => {
  const raw = JSON.stringify(body);
  return workerFetch(vars, path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Queue-Signature': await bridgeSignature('POST', path, raw) }, body: raw }, origin);
};

/** PUTs `endpoint` as a new queue under `vars`; answers the 400's fields and message, and checks nothing was stored. */
const refusedPut = async (vars: Vars, body: Record<string, unknown>) => {
  const name = uniqueQueue('ssrf');
  const error = await expectError(await adminWrite(vars, 'PUT', name, body), 400);
  expect(await getRegistration(name)).toBeNull();
  return { fields: fieldsNamed(error), message: error.message };
};

describe('registering an endpoint (ALLOW_PRIVATE_ENDPOINTS off, as in production)', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data',
    'http://metadata.google.internal',
    EDGE,
    'http://127.0.0.1:26388',
    'http://[::1]',
    'http://0x7f000001',
    'http://2130706433',
    'http://localhost:6379',
    'http://10.0.0.1',
    'http://192.168.1.1',
    'http://172.16.0.1',
    'http://100.64.0.1',
    'http://[::ffff:127.0.0.1]',
    'http://[fe80::1]',
    'http://[fd00::1]',
    'http://0.0.0.0',
    'http://[::]',
  ])('refuses %s with a 400 naming `endpoint`, and stores nothing', async (endpoint) => {
    const { fields, message } = await refusedPut(PRODUCTION, { endpoint });
    expect(fields).toEqual(['endpoint']);
    expect(message).toMatch(/^endpoint must not be /);
  });

  it('accepts a public endpoint', async () => {
    const response = await adminWrite(PRODUCTION, 'PUT', uniqueQueue('public'), { endpoint: 'https://email-api.example.com' });
    expect(response.status).toBe(201);
  });

  it('refuses a PATCH onto a private endpoint and leaves the queue as it was', async () => {
    const name = uniqueQueue('ssrf-patch');
    const created = await adminWrite(PRODUCTION, 'PUT', name, { endpoint: 'https://email-api.example.com' });
    const before = await created.json<Registration>();
    const error = await expectError(await adminWrite(PRODUCTION, 'PATCH', name, { endpoint: 'http://0x7f000001:6379' }), 400);
    expect(fieldsNamed(error)).toEqual(['endpoint']);
    expect(await getRegistration(name)).toEqual(before);
  });

  it('refuses a path with dot segments, plain or percent-encoded, naming `path`', async () => {
    for (const path of ['/../../admin', '/%2e%2e/%2E%2e/admin', '/jobs/..%2f..%2fadmin']) {
      const { fields, message } = await refusedPut(PRODUCTION, { endpoint: 'https://email-api.example.com', path });
      expect(fields, path).toEqual(['path']);
      expect(message).toContain("'..' segments");
    }
  });

  it('never echoes credentials given in an endpoint', async () => {
    const { fields, message } = await refusedPut(PRODUCTION, { endpoint: 'http://admin:hunter2-secret@169.254.169.254' });
    expect(fields).toEqual(['endpoint']);
    expect(message).not.toContain('hunter2');
  });
});

describe('registering an endpoint (ALLOW_PRIVATE_ENDPOINTS=true, local development)', () => {
  it.each(['http://127.0.0.1:26388', 'http://localhost:3020', 'http://[::1]:3020', 'http://192.168.1.10:8080'])('accepts the private %s', async (endpoint) => {
    const response = await adminWrite(LOCAL_DEV, 'PUT', uniqueQueue('local'), { endpoint });
    expect(response.status).toBe(201);
  });

  it.each([
    ['http://169.254.169.254', METADATA_MESSAGE],
    ['http://[::ffff:169.254.169.254]', METADATA_MESSAGE],
    ['http://[fe80::1]:8080', METADATA_MESSAGE],
    ['http://metadata.google.internal.', METADATA_MESSAGE],
    [EDGE, "must not be the edge's own origin"],
    [`${EDGE}:80/admin`, "must not be the edge's own origin"],
  ])('still refuses %s', async (endpoint, rule) => {
    const { fields, message } = await refusedPut(LOCAL_DEV, { endpoint });
    expect(fields).toEqual(['endpoint']);
    expect(message).toBe(`endpoint ${rule}`);
  });
});

describe('dispatching to an endpoint the policy refuses now', () => {
  /** A queue registered on the feature stub (127.0.0.1) while the flag was on. */
  const storedLocalQueue = async (prefix: string) => {
    const queueName = uniqueQueue(prefix);
    await registerStubQueue(queueName);
    return queueName;
  };

  const expectRefused = async (queueName: string, outcome: DispatchOutcome, rule: RegExp) => {
    expect(outcome).toMatchObject({ outcome: 'failed', retryable: false });
    expect(outcome.outcome === 'failed' && outcome.error.message).toMatch(new RegExp(`^endpoint ${env.FEATURE_STUB_URL}/internal/process-job refused: ${rule.source}`));
    expect(await stubRequests(queueName)).toEqual([]);
  };

  it('fails the job, not retryable, with the reason, and never calls the feature (flag turned off since)', async () => {
    const queueName = await storedLocalQueue('refused-now');
    const response = await signedPost(PRODUCTION, '/internal/dispatch', { jobId: 'job-1', queueName, data: {}, attemptsMade: 0 });
    expect(response.status).toBe(200);
    await expectRefused(queueName, await response.json<DispatchOutcome>(), /must not be a loopback address/);
  });

  it('does the same for every job of a batch', async () => {
    const queueName = await storedLocalQueue('refused-batch');
    const jobs = ['a', 'b', 'c'].map((jobId) => ({ jobId, data: {}, attemptsMade: 0 }));
    const response = await signedPost(PRODUCTION, '/internal/dispatch/batch', { queueName, jobs });
    expect(response.status).toBe(200);
    const lines = new TextDecoder()
      .decode(await response.arrayBuffer())
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as DispatchBatchLine);
    expect(lines.map((line) => line.jobId).sort()).toEqual(['a', 'b', 'c']);
    for (const line of lines) await expectRefused(queueName, line, /must not be a loopback address/);
  });

  it("refuses, even with the flag on, an endpoint that is the edge's own origin as this request reached it", async () => {
    const queueName = await storedLocalQueue('refused-self');
    // The bridge reached this edge at the stub's address: calling the stub now would be calling itself.
    const response = await signedPost(LOCAL_DEV, '/internal/dispatch', { jobId: 'job-1', queueName, data: {}, attemptsMade: 0 }, env.FEATURE_STUB_URL);
    await expectRefused(queueName, await response.json<DispatchOutcome>(), /must not be the edge's own origin/);
  });

  it('still calls an allowed endpoint (so the refusals above are about the policy)', async () => {
    const queueName = await storedLocalQueue('allowed');
    const response = await signedPost(LOCAL_DEV, '/internal/dispatch', { jobId: 'job-1', queueName, data: {}, attemptsMade: 0 });
    expect(await response.json()).toMatchObject({ outcome: 'completed' });
    expect(await stubRequests(queueName)).toHaveLength(1);
  });
});
