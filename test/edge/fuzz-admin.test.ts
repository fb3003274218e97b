// The admin routes under random credentials, methods, names, If-Match values, content types and
// registration bodies near the real shape (hostile endpoints, deep nesting, huge numbers, big
// strings). Properties: never a 5xx and always the JSON error shape; a refused request leaves KV
// (the key listing and the queue's stored registration) exactly as it was; and the endpoint policy
// (ARCHITECTURE "Endpoints") holds for every body that is otherwise valid.

import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { registrationKey } from '../../worker/registry.ts';
import { checkProperty } from '../support/fuzz.ts';
import { bodyNear, contentType, headerValue, pathSegment } from '../support/fuzz-arbitraries.ts';
import { ALWAYS_FORBIDDEN_ENDPOINTS, DOT_SEGMENT_PATHS, PRIVATE_ENDPOINTS, registrationBody } from '../support/fuzz-shapes.ts';
import { describeAnswer, errorOf, expectWellBehaved, runs, send } from './fuzz-support.ts';
import { fieldsNamed, putRegistration, registrationPath, uniqueQueue } from './helpers.ts';

const WRITE_RUNS = runs(250);
const POLICY_RUNS = runs(60);

/** What KV holds: every registration key, and the one queue the case aims at. */
const snapshot = async (name: string): Promise<{ keys: string[]; target: string | null }> => {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page: KVNamespaceListResult<unknown, string> = await env.REGISTRATIONS.list({ prefix: 'registration:', cursor });
    keys.push(...page.keys.map((key) => key.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return { keys: keys.sort(), target: await env.REGISTRATIONS.get(registrationKey(name)) };
};

let existing = '';

beforeAll(async () => {
  existing = uniqueQueue('fz-admin');
  await putRegistration(existing, { endpoint: 'http://email-api:3020' });
});

/** Which queue a case aims at: the registered one, a new one, or a raw (maybe hostile) URL segment. */
type Target = { kind: 'existing' } | { kind: 'fresh' } | { kind: 'raw'; segment: string };
const target: fc.Arbitrary<Target> = fc.oneof(
  { arbitrary: fc.constant<Target>({ kind: 'existing' }), weight: 3 },
  { arbitrary: fc.constant<Target>({ kind: 'fresh' }), weight: 3 },
  { arbitrary: pathSegment(fc.constant('fz-raw')).map((segment): Target => ({ kind: 'raw', segment })), weight: 2 },
);
const segmentOf = (t: Target): string => (t.kind === 'existing' ? existing : t.kind === 'fresh' ? uniqueQueue('fz-new') : t.segment);

const authorization = fc.oneof(
  { arbitrary: fc.constant(`Bearer ${env.ADMIN_TOKEN}`), weight: 8 },
  { arbitrary: fc.constantFrom(undefined, 'Bearer wrong', `Bearer ${env.PRODUCER_TOKEN}`, `Bearer ${env.ADMIN_TOKEN}x`, `Basic ${env.ADMIN_TOKEN}`), weight: 2 },
);
const ifMatch = fc.option(fc.oneof(fc.constantFrom('"1"', '"2"', '"999"', '*', 'W/"1"', '1'), headerValue), { freq: 3, nil: undefined });

describe('admin routes', () => {
  it('never answer 5xx, and a refusal stores nothing', async () => {
    await checkProperty(
      'admin writes (method, name, auth, If-Match, content type, registration body)',
      fc.asyncProperty(
        fc.constantFrom('PUT', 'PATCH', 'DELETE', 'GET', 'POST'),
        target,
        authorization,
        ifMatch,
        contentType,
        bodyNear(registrationBody()),
        async (method, aim, auth, match, type, body) => {
          const segment = segmentOf(aim);
          const name = decodeURIComponentOr(segment);
          const before = await snapshot(name);
          const answer = await send(method, registrationPath(segment), { Authorization: auth, 'If-Match': match, 'Content-Type': type }, body.wire);
          expectWellBehaved(answer);
          if (answer.status >= 400) expect(await snapshot(name), `refused, yet KV changed: ${describeAnswer(answer)}`).toEqual(before);
        },
      ),
      { numRuns: WRITE_RUNS },
    );
  }, 300_000);

  it('refuse link-local, metadata and (unless allowed) private endpoints, and paths with dot segments, storing nothing', async () => {
    const privateAllowed = (env as unknown as Record<string, unknown>).ALLOW_PRIVATE_ENDPOINTS === 'true';
    const forbidden = fc.oneof(
      fc.constantFrom(...ALWAYS_FORBIDDEN_ENDPOINTS, ...(privateAllowed ? [] : PRIVATE_ENDPOINTS)).map((endpoint) => ({ endpoint, field: 'endpoint' })),
      fc.constantFrom(...DOT_SEGMENT_PATHS).map((path) => ({ endpoint: 'https://feature.example.com', path, field: 'path' })),
    );
    await checkProperty(
      'admin endpoint policy (forbidden endpoint or path, otherwise valid body)',
      fc.asyncProperty(forbidden, fc.constantFrom('PUT', 'PATCH'), fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }), async ({ field, ...input }, method, concurrency) => {
        const name = method === 'PUT' ? uniqueQueue('fz-policy') : existing;
        const before = await snapshot(name);
        const body = JSON.stringify({ ...input, ...(concurrency === undefined ? {} : { concurrency }) });
        const answer = await send(method, registrationPath(name), { Authorization: `Bearer ${env.ADMIN_TOKEN}`, 'Content-Type': 'application/json' }, body);
        expect(answer.status, `accepted a forbidden ${field}: ${describeAnswer(answer)} for ${body}`).toBe(400);
        expect(fieldsNamed(errorOf(answer))).toContain(field);
        expect(await snapshot(name)).toEqual(before);
      }),
      { numRuns: POLICY_RUNS },
    );
  }, 120_000);
});

/** The queue name a URL segment stands for (what the route sees after decoding). */
const decodeURIComponentOr = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};
