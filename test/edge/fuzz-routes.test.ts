// Every edge route at once, as a stranger would hit it: random methods, paths (ids with NUL, CR/LF,
// unicode, 300 characters, malformed percent-encoding), credentials (right, wrong, absent, the other
// route's), bridge signatures signed for real over the exact request, content types and bodies.
// Property: never a 5xx (the producer route may answer 503 not_configured: this project gives the
// edge no Upstash on purpose), and every error in the JSON error shape.

import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { checkProperty } from '../support/fuzz.ts';
import { bodyNear, bodyText, contentType, headerValue, method, pathSegment } from '../support/fuzz-arbitraries.ts';
import { batchBody, callbackBody, dispatchBody, enqueueBody, goodJobId, heartbeatBody, registrationBody } from '../support/fuzz-shapes.ts';
import { expectWellBehaved, runs, send, signatureFor, signatureKind } from './fuzz-support.ts';
import { registerStubQueue, uniqueQueue } from './helpers.ts';

const RUNS = runs(300);

let registered = '';

beforeAll(async () => {
  registered = uniqueQueue('fz-routes');
  await registerStubQueue(registered);
});

const queueName = fc.oneof(fc.constant('').map(() => registered), fc.constantFrom('unknown-queue', 'a'.repeat(63)));
const name = pathSegment(queueName);

/** Route templates; `{name}` is filled from the fuzz. */
const path = fc.oneof(
  { arbitrary: fc.constantFrom('/health', '/internal/status', '/internal/usage', '/admin/registrations', '/internal/registrations', '/internal/dispatch', '/internal/dispatch/batch', '/internal/heartbeat'), weight: 6 },
  { arbitrary: name.map((n) => `/admin/registrations/${n}`), weight: 3 },
  { arbitrary: name.map((n) => `/queues/${n}/jobs`), weight: 3 },
  { arbitrary: fc.tuple(name, pathSegment(goodJobId)).map(([n, id]) => `/callbacks/${n}/${id}`), weight: 2 },
  { arbitrary: fc.array(name, { maxLength: 3 }).map((names) => `/internal/usage?queues=${names.join(',')}`), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom('/health', '/admin/registrations', '/internal/dispatch', '/queues/x/jobs', '/callbacks/x/y', '/internal/usage'), fc.constantFrom('/', '?a=1', '//', '/extra', '%00', '?x=%ff')).map(([p, tail]) => p + tail), weight: 1 },
  { arbitrary: fc.webPath(), weight: 1 },
);

const authorization = fc.constantFrom(
  undefined,
  `Bearer ${env.ADMIN_TOKEN}`,
  `Bearer ${env.PRODUCER_TOKEN}`,
  `bearer   ${env.ADMIN_TOKEN}  `,
  'Bearer wrong-token',
  'Bearer',
  'Basic YWRtaW46YWRtaW4=',
  `Bearer ${env.ADMIN_TOKEN} extra`,
);

const anyBody = bodyNear(
  fc.oneof(registrationBody(), dispatchBody(queueName), batchBody(queueName), heartbeatBody(fc.uuid(), queueName), enqueueBody(), callbackBody()),
);

describe('every edge route', () => {
  it('never answers 5xx to a bad request, and every error is the JSON error shape', async () => {
    await checkProperty(
      'edge routes (method, path, auth, signature, content type, body)',
      fc.asyncProperty(
        method,
        path,
        authorization,
        signatureKind,
        contentType,
        fc.option(anyBody, { freq: 5, nil: undefined }),
        fc.option(fc.tuple(fc.constantFrom('If-Match', 'If-None-Match', 'X-Queue-Bridge-Id', 'Content-Length'), headerValue), { nil: undefined }),
        async (verb, target, auth, signing, type, body, extra) => {
          const signedPath = target.split('?')[0];
          const text = body === undefined || verb === 'GET' || verb === 'HEAD' ? '' : bodyText(body.wire);
          const headers: Record<string, string | undefined> = {
            Authorization: auth,
            'Content-Type': type,
            'X-Queue-Signature': await signatureFor(signing, verb, signedPath, text),
            ...(extra && extra[0] !== 'Content-Length' ? { [extra[0]]: extra[1] } : {}),
          };
          const answer = await send(verb, target, headers, body?.wire);
          expectWellBehaved(answer, { notConfiguredAllowed: target.startsWith('/queues/') });
        },
      ),
      { numRuns: RUNS },
    );
  }, 300_000);
});
