// GET /internal/usage?queues=… (admin, or signed by the bridge) under random credentials, bridge
// signatures, methods and queue lists (registered, unknown, malformed, hostile, past the 100 cap).
// Properties: never a 5xx, always the JSON error shape; exactly the admin token (an Authorization
// header) or an accepted signature (none) is let in; a list with any bad name or over 100 names is
// a 400 naming `queues`; a good one answers figures for exactly the queues asked.

import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isValidQueueName } from '../../src/registration.ts';
import { checkProperty } from '../support/fuzz.ts';
import { encodePathSegment, hostileId, method } from '../support/fuzz-arbitraries.ts';
import { describeAnswer, errorOf, expectWellBehaved, isAcceptedSignature, runs, send, signatureFor, signatureKind, type SignatureKind } from './fuzz-support.ts';
import { registerStubQueue, uniqueQueue } from './helpers.ts';

const RUNS = runs(150);
/** GET /internal/usage's cap on queues per read. */
const MAX_QUEUES = 100;
const PATH = '/internal/usage';

let registered = '';

beforeAll(async () => {
  registered = uniqueQueue('fz-usage');
  await registerStubQueue(registered);
});

const ADMIN = `Bearer ${env.ADMIN_TOKEN}`;
const authorization = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: fc.constant(ADMIN), weight: 3 },
  { arbitrary: fc.constantFrom('Bearer wrong-token', `Bearer ${env.PRODUCER_TOKEN}`, `Basic ${env.ADMIN_TOKEN}`, `Bearer ${env.ADMIN_TOKEN}x`, 'Bearer', ''), weight: 2 },
);

const queueName = fc.oneof(
  { arbitrary: fc.constant('').map(() => registered), weight: 3 },
  { arbitrary: fc.constantFrom('unknown-queue', 'a'.repeat(63)), weight: 2 },
  { arbitrary: fc.constantFrom('Not-A-Queue', 'a'.repeat(64), '-x', ' ', 'a b', 'a%2Cb'), weight: 1 },
  { arbitrary: hostileId, weight: 1 },
);
/** Short lists mostly (each name is a coordinator call); one name repeated at the cap and past it. */
const queueList = fc.oneof(
  { arbitrary: fc.array(queueName, { maxLength: 4 }), weight: 8 },
  { arbitrary: fc.constantFrom(MAX_QUEUES, MAX_QUEUES + 1).map((n) => Array.from({ length: n }, () => registered)), weight: 1 },
);

/** The list as the route reads it: `queues` percent-decoded, split on commas, empty names dropped. */
const namesOf = (query: string | undefined): string[] => (new URLSearchParams(query ?? '').get('queues') ?? '').split(',').filter(Boolean);

/** What the route answers: 401 unless let in, 400 for a bad list, else 200 (other methods: no such route). */
const expectedStatus = (verb: string, auth: string | undefined, kind: SignatureKind, signature: string | undefined, query: string | undefined): number => {
  if (verb !== 'GET' && verb !== 'HEAD') return 404;
  // An Authorization header decides alone; without one (an empty one is none), a signature does.
  const allowed = !auth ? signature !== undefined && isAcceptedSignature(kind) : auth === ADMIN;
  if (!allowed) return 401;
  const names = namesOf(query);
  return names.length > MAX_QUEUES || !names.every(isValidQueueName) ? 400 : 200;
};

describe('GET /internal/usage', () => {
  it('never answers 5xx, lets in only the admin token or a bridge signature, and answers exactly the queues asked', async () => {
    await checkProperty(
      'usage (method, auth, signature, queue list)',
      fc.asyncProperty(
        fc.oneof({ arbitrary: fc.constant('GET'), weight: 6 }, { arbitrary: method, weight: 1 }),
        authorization,
        signatureKind,
        fc.option(queueList.map((names) => `queues=${names.map(encodePathSegment).join(',')}`), { freq: 8, nil: undefined }),
        async (verb, auth, kind, query) => {
          const signature = await signatureFor(kind, verb, PATH, '');
          const answer = await send(verb, query === undefined ? PATH : `${PATH}?${query}`, { Authorization: auth, 'X-Queue-Signature': signature });
          expectWellBehaved(answer);
          expect(answer.status, describeAnswer(answer)).toBe(expectedStatus(verb, auth, kind, signature, query));
          if (answer.status === 400 && verb === 'GET') expect(errorOf(answer).message).toMatch(/^queues /);
          if (answer.status === 200 && verb === 'GET') {
            const body = JSON.parse(answer.text) as { coordinators: Record<string, unknown> };
            expect(Object.keys(body.coordinators).sort()).toEqual([...new Set(namesOf(query))].sort());
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 300_000);
});
