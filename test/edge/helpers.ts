// The edge's public surface as tests use it: exports.default.fetch with admin or bridge credentials,
// and the Node feature stub driven over its /__control routes.

import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { DispatchBatchLine, DispatchOutcome, DispatchRequest, ErrorBody, FieldError, HeartbeatRequest, Registration } from '../../src/protocol.ts';
import { Signer } from '../../src/signing.ts';
import type { QueueStats } from '../../worker/coordinator/types.ts';
import type { QueueStubStats, RecordedRequest, StubBehaviour } from '../support/feature-stub-types.ts';

export const EDGE = 'http://edge.test';
const bridgeSigner = new Signer(env.BRIDGE_SECRET);

let counter = 0;
/** A queue name no other test uses. */
export const uniqueQueue = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export const edgeFetch = (path: string, init: RequestInit = {}): Promise<Response> => exports.default.fetch(new Request(`${EDGE}${path}`, init));

export const adminFetch = (path: string, init: RequestInit = {}, token = env.ADMIN_TOKEN): Promise<Response> => {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${token}`);
  if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  return edgeFetch(path, { ...init, headers });
};

export const putRegistration = async (name: string, body: Record<string, unknown>): Promise<Registration> => {
  const response = await adminFetch(`/admin/registrations/${name}`, { method: 'PUT', body: JSON.stringify(body) });
  if (response.status !== 201 && response.status !== 200) throw new Error(`PUT ${name} → ${response.status}: ${await response.text()}`);
  return response.json();
};

export const patchRegistration = async (name: string, body: Record<string, unknown>): Promise<Registration> => {
  const response = await adminFetch(`/admin/registrations/${name}`, { method: 'PATCH', body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`PATCH ${name} → ${response.status}: ${await response.text()}`);
  return response.json();
};

/** Registers `name` against the feature stub. */
export const registerStubQueue = (name: string, overrides: Record<string, unknown> = {}): Promise<Registration> =>
  putRegistration(name, { endpoint: env.FEATURE_STUB_URL, timeoutMs: 5_000, ...overrides });

export const signedFetch = async (method: string, path: string, body = '', headers: Record<string, string> = {}): Promise<Response> =>
  edgeFetch(path, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-Queue-Signature': await bridgeSigner.signBridgeRequest(method, path, body), ...headers },
    body: method === 'GET' ? undefined : body,
  });

/** As the bridge does: a fresh requestId per request, so repeating a job is never a replay. */
export const dispatch = async (job: Partial<DispatchRequest> & { queueName: string }): Promise<DispatchOutcome> => {
  const body = JSON.stringify({ jobId: crypto.randomUUID(), data: {}, attemptsMade: 0, requestId: crypto.randomUUID(), ...job });
  const response = await signedFetch('POST', '/internal/dispatch', body);
  if (response.status !== 200) throw new Error(`dispatch → ${response.status}: ${await response.text()}`);
  return response.json();
};

const control = async <T>(path: string, queue: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${env.FEATURE_STUB_URL}/__control/${path}?queue=${encodeURIComponent(queue)}`, {
    method: body === undefined ? 'GET' : 'POST',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
};

export const scriptStub = (queue: string, behaviours: StubBehaviour[]): Promise<unknown> => control('script', queue, behaviours);
export const stubRequests = (queue: string): Promise<RecordedRequest[]> => control('requests', queue);
export const stubStats = (queue: string): Promise<QueueStubStats> => control('stats', queue);

// ---- error answers, admin shortcuts, bridge signatures -----------------------------------------

export const registrationPath = (name: string): string => `/admin/registrations/${name}`;

/** The edge's JSON error answer with `status`; fails the test on any other shape. */
export const expectError = async (response: Response, status: number): Promise<ErrorBody['error']> => {
  expect(response.status).toBe(status);
  expect(response.headers.get('Content-Type')).toMatch(/^application\/json/);
  const { error } = await response.json<ErrorBody>();
  expect(error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  return error;
};

/** The fields a 400 names in `error.details`, in order. */
export const fieldsNamed = (error: ErrorBody['error']): string[] =>
  Array.isArray(error.details) ? (error.details as FieldError[]).map((detail) => detail.field) : [];

/** GET /admin/registrations/:name, or null when it answers 404. */
export const getRegistration = async (name: string): Promise<Registration | null> => {
  const response = await adminFetch(registrationPath(name));
  if (response.status === 404) return null;
  if (response.status !== 200) throw new Error(`GET ${name} → ${response.status}: ${await response.text()}`);
  return response.json();
};

export const listedQueueNames = async (): Promise<string[]> => {
  const response = await adminFetch('/admin/registrations');
  if (response.status !== 200) throw new Error(`GET /admin/registrations → ${response.status}: ${await response.text()}`);
  const { registrations } = await response.json<{ registrations: Registration[] }>();
  return registrations.map((registration) => registration.name);
};

/** A bridge signature header for exactly this request, optionally at another time or with another secret. */
export const bridgeSignature = (method: string, path: string, body = '', options: { t?: number; secret?: string } = {}): Promise<string> =>
  (options.secret === undefined ? bridgeSigner : new Signer(options.secret)).signBridgeRequest(method, path, body, options.t);

/** GET /internal/status as an admin. */
export const edgeStatus = async (): Promise<EdgeStatus> => {
  const response = await adminFetch('/internal/status');
  if (response.status !== 200) throw new Error(`GET /internal/status → ${response.status}: ${await response.text()}`);
  return response.json();
};

/** What /internal/status shows per queue: the coordinator's figures, plus what the route adds. */
export interface QueueStatus extends Omit<QueueStats, 'registration'> {
  name: string;
  registration: Registration;
  budget: { perIsolate: number; held: number; capped: string | null };
  /** Backlog read from Redis; null when the edge cannot reach it (see EdgeStatus.depthError). */
  depth: { waiting: number; active: number; delayed: number; failed: number } | null;
}

export interface EdgeStatus {
  queues: QueueStatus[];
  bridges: { lastSeenAt: string | null; stale: boolean; bridges: (HeartbeatRequest & { lastSeenAt: string; stale: boolean })[] };
  depthError?: string;
}
export const resetStub = (queue: string): Promise<unknown> => control('reset', queue, {});

/** POST /internal/dispatch/batch; the answer's lines in the order they arrived. */
export const dispatchBatch = async (queueName: string, jobs: Partial<DispatchRequest>[]): Promise<DispatchBatchLine[]> => {
  const body = JSON.stringify({ queueName, requestId: crypto.randomUUID(), jobs: jobs.map((job) => ({ jobId: crypto.randomUUID(), data: {}, attemptsMade: 0, ...job })) });
  const response = await signedFetch('POST', '/internal/dispatch/batch', body);
  if (response.status !== 200) throw new Error(`dispatch batch → ${response.status}: ${await response.text()}`);
  expect(response.headers.get('Content-Type')).toBe('application/x-ndjson');
  return (await response.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DispatchBatchLine);
};
