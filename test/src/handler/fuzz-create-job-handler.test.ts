// createJobHandler under random requests: methods, signatures (right, absent, expired, another
// secret, malformed, duplicated, 200 bogus v1 values), content types, sizes and bodies near the
// seed's job shape. Properties: never a 5xx, every refusal the handler's JSON shape, the handler
// runs exactly for correctly signed, well-formed calls of a queue it serves (so a refused request
// never runs it), and a captured call replayed does not run it twice.

import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEADER_SIGNATURE } from '../../../src/protocol.ts';
import { checkProperty, fuzzRuns } from '../../support/fuzz.ts';
import { abbreviate, bodyNear, bodyText, contentType, field, hostileId, METHODS, shape, withExtraV1, type Body } from '../../support/fuzz-arbitraries.ts';
import { goodJobId } from '../../support/fuzz-shapes.ts';
import { fuzzedJobHandler, jobCallHeaders, OTHER_SIGNING_SECRET, signJobCall } from './fuzz-handler-keys.ts';

const REQUEST_RUNS = fuzzRuns(600, env.FUZZ_RUNS);
const REPLAY_RUNS = fuzzRuns(40, env.FUZZ_RUNS);
const URL = 'https://feature.internal/internal/process-job';
const SERVED = ['email', 'image-gen'] as const;

interface Queues {
  email: unknown;
  'image-gen': unknown;
}

/** A handler per served queue that records each job it runs. */
const recordingHandler = async () => {
  const ran: string[] = [];
  const handle = await fuzzedJobHandler<Queues>({
    email: (_data, ctx) => void ran.push(ctx.jobId),
    'image-gen': (_data, ctx) => void ran.push(ctx.jobId),
  });
  return { ran, handle };
};

/** What the seed's contract says is a job call (ARCHITECTURE "Feature call" body). */
const isWellFormedCall = (text: string): boolean => {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { jobId, queueName, attemptsMade } = body as Record<string, unknown>;
  return (
    typeof jobId === 'string' && jobId !== '' &&
    typeof queueName === 'string' && (SERVED as readonly string[]).includes(queueName) &&
    'data' in body &&
    typeof attemptsMade === 'number' && Number.isSafeInteger(attemptsMade) && attemptsMade >= 0
  );
};

const queueNameOf = (text: string): string => {
  try {
    return String((JSON.parse(text) as { queueName?: unknown }).queueName ?? '');
  } catch {
    return '';
  }
};

const jobCall = shape({
  jobId: fc.oneof(goodJobId, hostileId),
  queueName: field(fc.constantFrom(...SERVED, 'unknown', '__proto__', 'constructor')),
  data: field(fc.jsonValue({ maxDepth: 2 })),
  attemptsMade: field(fc.nat(5)),
});

const ACCEPTED = ['valid', 'valid-twice', 'valid-and-one-bogus'] as const;
const REFUSED = ['absent', 'empty', 'other-secret', 'expired', 'future', 'other-body', 'malformed', 'valid-and-many-bogus'] as const;
type Signing = (typeof ACCEPTED)[number] | (typeof REFUSED)[number];
const signing: fc.Arbitrary<Signing> = fc.oneof({ arbitrary: fc.constant('valid' as const), weight: 5 }, { arbitrary: fc.constantFrom(...ACCEPTED, ...REFUSED), weight: 5 });

const now = () => Math.floor(Date.now() / 1000);

const signatureOf = async (kind: Signing, queueName: string, text: string, bogusCount: number): Promise<string | undefined> => {
  const valid = () => signJobCall(queueName, text);
  switch (kind) {
    case 'valid':
      return valid();
    case 'valid-twice':
    case 'valid-and-one-bogus':
    case 'valid-and-many-bogus':
      return withExtraV1(await valid(), kind, bogusCount);
    case 'absent':
      return undefined;
    case 'empty':
      return '';
    case 'other-secret':
      return signJobCall(queueName, text, { secret: OTHER_SIGNING_SECRET });
    case 'expired':
      return signJobCall(queueName, text, { t: now() - 600 });
    case 'future':
      return signJobCall(queueName, text, { t: now() + 600 });
    case 'other-body':
      return signJobCall(queueName, `${text} `);
    case 'malformed':
      return `t=${now()},v1=zz`;
  }
};

const requestOf = (method: string, queueName: string, signature: string | undefined, type: string | undefined, body: Body | undefined): Request => {
  const headers = new Headers(jobCallHeaders(queueName));
  if (signature !== undefined) headers.set(HEADER_SIGNATURE, signature);
  if (type !== undefined) headers.set('Content-Type', type);
  return new Request(URL, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body });
};

describe('createJobHandler', () => {
  // A handler per case: shrinking sends the same signed call again, which a replay check must refuse.
  it('never answers 5xx, and runs the handler only for correctly signed, well-formed calls of a queue it serves', async () => {
    await checkProperty(
      'createJobHandler (method, signature, content type, body)',
      fc.asyncProperty(
        fc.oneof({ arbitrary: fc.constant('POST'), weight: 8 }, { arbitrary: fc.constantFrom(...METHODS), weight: 1 }),
        signing,
        fc.integer({ min: 2, max: 200 }),
        contentType,
        bodyNear(jobCall),
        async (method, kind, bogusCount, type, body) => {
          const text = bodyText(body.wire);
          const { ran, handle } = await recordingHandler();
          const queueName = queueNameOf(text);
          const response = await handle(requestOf(method, queueName, await signatureOf(kind, queueName, text, bogusCount), type, body.wire));
          const answer = await response.text();
          const summary = `${method} '${kind}' → ${response.status}: ${abbreviate(answer).slice(0, 300)}`;
          expect(response.status, summary).toBeLessThan(500);
          if (response.status >= 400 && method !== 'HEAD') expect(JSON.parse(answer), summary).toMatchObject({ success: false, error: expect.any(String) });
          const shouldRun = method === 'POST' && (ACCEPTED as readonly string[]).includes(kind) && isWellFormedCall(text) && text.length <= 512 * 1024;
          expect(ran.length, `handler runs for ${summary}`).toBe(shouldRun ? 1 : 0);
        },
      ),
      { numRuns: REQUEST_RUNS },
    );
  }, 300_000);

  it('runs a captured call once, however often it is replayed within the window', async () => {
    await checkProperty(
      'createJobHandler replay (one signed call sent 2–4 times)',
      fc.asyncProperty(goodJobId, fc.constantFrom(...SERVED), fc.jsonValue({ maxDepth: 2 }), fc.integer({ min: 2, max: 4 }), async (jobId, queueName, data, times) => {
        const text = JSON.stringify({ jobId, queueName, data, attemptsMade: 0 });
        const signature = await signJobCall(queueName, text);
        const { ran, handle } = await recordingHandler();
        for (let i = 0; i < times; i++) await (await handle(requestOf('POST', queueName, signature, 'application/json', text))).text();
        expect(ran.length, `the call for ${jobId} sent ${times} times`).toBe(1);
      }),
      { numRuns: REPLAY_RUNS },
    );
  }, 120_000);
});
