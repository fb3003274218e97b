// The feature-side handler inside workerd, signed for real with Signer; the edge's own classifier
// reads each answer, so "what the feature meant" is checked against "what the edge will do".

import { Hono } from 'hono';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createJobHandler, NonRetryableError, RetryAfterError, type JobContext } from '../../../src/handler/index.ts';
import { queueKey } from '../../../src/feature-keys.ts';
import { HEADER_QUEUE_NAME, HEADER_SIGNATURE, MAX_JOB_BODY_BYTES, SIGNATURE_TOLERANCE_SECONDS, type DispatchOutcome, type FeatureJobRequest } from '../../../src/protocol.ts';
import { RotatingSigner, Signer } from '../../../src/signing.ts';
import { classifyFeatureResponse } from '../../../worker/dispatch/classify.ts';

const CURRENT_SECRET = 'feature-secret-current';
const NEXT_SECRET = 'feature-secret-next';
const URL_PATH = 'https://email.internal/internal/process-job';

interface Queues {
  email: { to: string; template: string };
  'image-gen': { prompt: string };
}

/** What the platform team hands this feature team: its queues' keys, now and after rotation. */
const KEYS = { email: await queueKey(CURRENT_SECRET, 'email'), 'image-gen': await queueKey(CURRENT_SECRET, 'image-gen') };
const NEXT_KEYS = { email: await queueKey(NEXT_SECRET, 'email'), 'image-gen': await queueKey(NEXT_SECRET, 'image-gen') };

const unixNow = () => Math.floor(Date.now() / 1000);

interface SignOptions {
  /** The HMAC key; the current key of the body's queue unless given. */
  key?: string;
  t?: number;
  rawBody?: string;
  /** X-Queue-Name; the body's queue unless given. */
  queueHeader?: string;
  /** A whole X-Queue-Signature value instead of a real one. */
  signature?: string;
}

const signedRequest = async (job: Partial<FeatureJobRequest> & Record<string, unknown>, { key, t = unixNow(), rawBody, queueHeader, signature }: SignOptions = {}) => {
  const queueName = (job.queueName as string | undefined) ?? 'email';
  const body = rawBody ?? JSON.stringify({ jobId: 'job-1', queueName, data: { to: 'a@example.com', template: 'welcome' }, attemptsMade: 0, ...job });
  const signingKey = key ?? (await queueKey(CURRENT_SECRET, queueName));
  return new Request(URL_PATH, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      [HEADER_QUEUE_NAME]: queueHeader ?? queueName,
      [HEADER_SIGNATURE]: signature ?? (await new Signer(signingKey).signFeatureBody(body, t)),
    },
    body,
  });
};

const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> });

/** What the edge makes of the answer (ARCHITECTURE "Classification"). */
const edgeOutcome = async (response: Response) => {
  const text = await response.clone().text();
  const { durationMs: _ignored, ...outcome } = classifyFeatureResponse(response.status, response.headers, text, 0) as DispatchOutcome & { durationMs?: number };
  return outcome;
};

const makeHandler = (email: (data: Queues['email'], ctx: JobContext<'email'>) => unknown, imageGen: (data: Queues['image-gen']) => unknown = ({ prompt }) => ({ url: `https://img/${prompt}` })) =>
  createJobHandler<Queues>({ handlers: { email, 'image-gen': imageGen }, keys: KEYS, nextKeys: NEXT_KEYS });

describe('createJobHandler', () => {
  it('runs the queue handler with the job data and context and answers success with its result', async () => {
    const seen: { data: unknown; ctx: JobContext<'email'> }[] = [];
    const handle = makeHandler((data, ctx) => {
      seen.push({ data, ctx });
      return { messageId: `m-${data.to}` };
    });

    const response = await handle(await signedRequest({ jobId: 'job-42', attemptsMade: 2 }));

    expect(await answer(response.clone())).toEqual({ status: 200, body: { success: true, result: { messageId: 'm-a@example.com' } } });
    expect(await edgeOutcome(response)).toEqual({ outcome: 'completed', result: { messageId: 'm-a@example.com' } });
    expect(seen).toHaveLength(1);
    expect(seen[0].data).toEqual({ to: 'a@example.com', template: 'welcome' });
    expect(seen[0].ctx).toMatchObject({ jobId: 'job-42', queueName: 'email', attempt: 3, attemptsMade: 2, idempotencyKey: 'email:job-42' });
    expect(seen[0].ctx.signal).toBeInstanceOf(AbortSignal);
  });

  it("gives the handler the call's traceparent as ctx.traceparent, and none for a missing or malformed header", async () => {
    const traceparents: (string | undefined)[] = [];
    const handle = makeHandler((_data, ctx) => void traceparents.push(ctx.traceparent));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const withHeader = async (value?: string) => {
      const request = await signedRequest({ jobId: `job-${traceparents.length}` });
      if (value !== undefined) request.headers.set('traceparent', value);
      return handle(request);
    };

    await withHeader(traceparent);
    await withHeader();
    await withHeader('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7');

    expect(traceparents).toEqual([traceparent, undefined, undefined]);
  });

  it("hands the handler the job's BullMQ name when the edge sends one, and refuses a name that is not a string", async () => {
    const seen: JobContext<'email'>[] = [];
    const handle = makeHandler((_data, ctx) => void seen.push(ctx));
    expect((await handle(await signedRequest({ name: 'welcome' }))).status).toBe(200);
    expect((await handle(await signedRequest({}))).status).toBe(200);
    expect(seen.map((ctx) => ctx.name)).toEqual(['welcome', undefined]);
    expect(await answer(await handle(await signedRequest({ name: 7 as unknown as string })))).toMatchObject({ status: 400 });
  });

  it('dispatches by queueName', async () => {
    const handle = makeHandler(() => 'email result');
    const response = await handle(await signedRequest({ queueName: 'image-gen', data: { prompt: 'cat' } }));
    expect(await answer(response)).toEqual({ status: 200, body: { success: true, result: { url: 'https://img/cat' } } });
  });

  it('answers success without a result when the handler returns nothing', async () => {
    const handle = makeHandler(() => undefined);
    const response = await handle(await signedRequest({}));
    expect(await answer(response.clone())).toEqual({ status: 200, body: { success: true } });
    expect(await edgeOutcome(response)).toEqual({ outcome: 'completed', result: null });
  });

  it('accepts a body signed with the next key while keys rotate', async () => {
    const handle = makeHandler(() => 'ok');
    const response = await handle(await signedRequest({}, { key: NEXT_KEYS.email }));
    expect(await answer(response)).toEqual({ status: 200, body: { success: true, result: 'ok' } });
  });

  it('rotation round trip: a call signed as the edge signs while rotating verifies with the current keys alone, and with the next keys alone', async () => {
    const body = JSON.stringify({ jobId: 'job-r', queueName: 'email', data: { to: 'r@example.com', template: 't' }, attemptsMade: 0 });
    const header = await new RotatingSigner(KEYS.email, NEXT_KEYS.email).signFeatureBody(body);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    const before = createJobHandler<Pick<Queues, 'email'>>({ handlers: { email: () => 'before' }, keys: { email: KEYS.email } });
    const after = createJobHandler<Pick<Queues, 'email'>>({ handlers: { email: () => 'after' }, keys: { email: NEXT_KEYS.email } });
    for (const [handle, result] of [[before, 'before'], [after, 'after']] as const) {
      const request = await signedRequest({}, { rawBody: body, signature: header });
      expect(await answer(await handle(request))).toEqual({ status: 200, body: { success: true, result } });
    }
  });

  it.each([
    ['an unknown key', { key: 'a'.repeat(64) }, 'signature does not match'],
    ['the platform secret itself', { key: CURRENT_SECRET }, 'signature does not match'],
    ['a stale timestamp', { t: unixNow() - SIGNATURE_TOLERANCE_SECONDS - 5 }, 'outside the 5-minute window'],
    ['a timestamp from the future', { t: unixNow() + SIGNATURE_TOLERANCE_SECONDS + 5 }, 'outside the 5-minute window'],
  ])('rejects %s with 401 and never runs the handler', async (_case, signing, message) => {
    let calls = 0;
    const handle = makeHandler(() => calls++);
    const response = await handle(await signedRequest({}, signing));
    const { status, body } = await answer(response.clone());
    expect(status).toBe(401);
    expect(body).toMatchObject({ success: false, retryable: false });
    expect(body.error).toContain(message);
    expect(await edgeOutcome(response)).toMatchObject({ outcome: 'failed', retryable: false });
    expect(calls).toBe(0);
  });

  it("forge test: queue email's key cannot run a call for image-gen, whichever queue the call claims", async () => {
    const ran: string[] = [];
    const handle = makeHandler(
      () => ran.push('email'),
      () => ran.push('image-gen'),
    );
    const job = { queueName: 'image-gen', data: { prompt: 'forged' } };

    const claimsImageGen = await handle(await signedRequest(job, { key: KEYS.email }));
    expect(await answer(claimsImageGen)).toEqual({ status: 401, body: { success: false, retryable: false, error: 'signature does not match' } });

    const claimsEmail = await handle(await signedRequest(job, { key: KEYS.email, queueHeader: 'email' }));
    const { status, body } = await answer(claimsEmail);
    expect(status).toBe(403);
    expect(body.error).toBe("the call is signed with the key of queue 'email' but its body names queue 'image-gen'");
    expect(ran).toEqual([]);
  });

  it('answers 400 without X-Queue-Name (it picks the key), before anything else', async () => {
    const handle = makeHandler(() => 'never');
    const request = await signedRequest({});
    request.headers.delete(HEADER_QUEUE_NAME);
    expect(await answer(await handle(request))).toEqual({ status: 400, body: { success: false, retryable: false, error: `missing ${HEADER_QUEUE_NAME} header` } });
  });

  it('refuses a header with more than two v1 values as malformed without reading the body', async () => {
    const handle = makeHandler(() => 'never');
    const bogus = Array.from({ length: 200 }, (_, i) => `v1=${i.toString(16).padStart(64, '0')}`).join(',');
    let pulled = false;
    const body = new ReadableStream<Uint8Array>({ pull: () => void (pulled = true) }, { highWaterMark: 0 });
    const request = new Request(URL_PATH, { method: 'POST', headers: { [HEADER_QUEUE_NAME]: 'email', [HEADER_SIGNATURE]: `t=${unixNow()},${bogus}` }, body });
    const { status, body: answered } = await answer(await handle(request));
    expect(status).toBe(401);
    expect(answered.error).toMatch(/^malformed/);
    expect(pulled).toBe(false);
  });

  it('runs a captured call once: the replay is answered 429 Retry-After 1 (throttled at the edge, uncharged), the handler not run again', async () => {
    let calls = 0;
    const handle = makeHandler(() => ++calls);
    const captured = await signedRequest({ jobId: 'job-replayed' });
    const replay = captured.clone();
    expect(await answer(await handle(captured))).toEqual({ status: 200, body: { success: true, result: 1 } });

    const response = await handle(replay);
    expect(response.status).toBe(429);
    expect(response.headers.get('Retry-After')).toBe('1');
    expect(await edgeOutcome(response)).toEqual({ outcome: 'throttled', retryAfterMs: 1_000, reason: 'feature' });
    expect(calls).toBe(1);

    // The same job signed anew (as the edge's next call is) runs.
    expect(await answer(await handle(await signedRequest({ jobId: 'job-replayed' }, { t: unixNow() + 1 })))).toMatchObject({ status: 200 });
    expect(calls).toBe(2);
  });

  it('rejects a body changed after signing, and a request without a signature', async () => {
    let calls = 0;
    const handle = makeHandler(() => calls++);
    const signed = await signedRequest({});
    const tampered = new Request(signed, { body: JSON.stringify({ jobId: 'job-1', queueName: 'email', data: { to: 'evil@example.com' }, attemptsMade: 0 }) });
    expect((await answer(await handle(tampered))).status).toBe(401);

    const unsigned = new Request(URL_PATH, { method: 'POST', headers: { [HEADER_QUEUE_NAME]: 'email' }, body: '{}' });
    const { status, body } = await answer(await handle(unsigned));
    expect(status).toBe(401);
    expect(body.error).toBe(`missing ${HEADER_SIGNATURE} header`);
    expect(calls).toBe(0);
  });

  it('answers 404 (not retried by the edge) for a queue it has no handler for', async () => {
    const handle = makeHandler(() => 'never');
    for (const queueName of ['payments', 'constructor']) {
      const response = await handle(await signedRequest({ queueName }));
      expect(await answer(response.clone())).toEqual({ status: 404, body: { success: false, retryable: false, error: `no handler for queue '${queueName}'` } });
      expect(await edgeOutcome(response)).toMatchObject({ outcome: 'failed', retryable: false });
    }
  });

  it('maps a thrown NonRetryableError to a failure the edge does not retry', async () => {
    const handle = makeHandler(() => {
      throw new NonRetryableError('mailbox does not exist');
    });
    const response = await handle(await signedRequest({}));
    expect(await answer(response.clone())).toEqual({ status: 200, body: { success: false, retryable: false, error: 'mailbox does not exist' } });
    expect(await edgeOutcome(response)).toEqual({ outcome: 'failed', retryable: false, error: { message: 'mailbox does not exist', status: 200 } });
  });

  it('maps a thrown RetryAfterError to 429 with Retry-After, which the edge treats as throttled', async () => {
    const handle = makeHandler(async () => {
      throw new RetryAfterError(1_500, 'provider rate limit');
    });
    const response = await handle(await signedRequest({}));
    expect(response.headers.get('Retry-After')).toBe('2');
    expect(await answer(response.clone())).toEqual({ status: 429, body: { success: false, error: 'provider rate limit', retryAfterMs: 1_500 } });
    expect(await edgeOutcome(response)).toEqual({ outcome: 'throttled', retryAfterMs: 2_000, reason: 'feature' });
  });

  it('maps any other throw to a retryable failure carrying only the message', async () => {
    const handle = makeHandler(async () => {
      throw new Error('SMTP connection reset');
    });
    const response = await handle(await signedRequest({}));
    expect(await answer(response.clone())).toEqual({ status: 200, body: { success: false, error: 'SMTP connection reset' } });
    expect(await edgeOutcome(response)).toEqual({ outcome: 'failed', retryable: true, error: { message: 'SMTP connection reset', status: 200 } });

    const throwsString = makeHandler(() => {
      throw 'plain string';
    });
    expect((await answer(await throwsString(await signedRequest({})))).body).toEqual({ success: false, error: 'plain string' });
  });

  it('reports a result that cannot be serialised as a failure instead of crashing', async () => {
    const handle = makeHandler(() => ({ big: 10n }));
    const { status, body } = await answer(await handle(await signedRequest({})));
    expect(status).toBe(200);
    expect(body).toMatchObject({ success: false, retryable: false });
    expect(body.error).toContain('not JSON-serialisable');
  });

  it.each([
    ['not JSON', 'not json', 'body is not valid JSON'],
    ['an array', '[]', 'body must be a JSON object'],
    ['without jobId', JSON.stringify({ queueName: 'email', data: {}, attemptsMade: 0 }), 'jobId must be a non-empty string'],
    ['without data', JSON.stringify({ jobId: 'j', queueName: 'email', attemptsMade: 0 }), 'data is required'],
    ['with a negative attemptsMade', JSON.stringify({ jobId: 'j', queueName: 'email', data: {}, attemptsMade: -1 }), 'attemptsMade must be an integer >= 0'],
  ])('answers 400 for a signed body that is %s', async (_case, rawBody, message) => {
    const handle = makeHandler(() => 'never');
    expect(await answer(await handle(await signedRequest({}, { rawBody })))).toEqual({ status: 400, body: { success: false, retryable: false, error: message } });
  });

  it('answers 405 to anything but POST and 413 to a body over the limit', async () => {
    const handle = makeHandler(() => 'never');
    const get = await handle(new Request(URL_PATH));
    expect(get.status).toBe(405);
    expect(get.headers.get('Allow')).toBe('POST');

    const huge = await handle(await signedRequest({ data: { blob: 'x'.repeat(MAX_JOB_BODY_BYTES) } }));
    expect(huge.status).toBe(413);
  });

  it('serves from a Hono route', async () => {
    const handle = makeHandler((data) => `sent to ${data.to}`);
    const app = new Hono().post('/internal/process-job', (c) => handle(c.req.raw));
    const response = await app.request(await signedRequest({}));
    expect(await answer(response)).toEqual({ status: 200, body: { success: true, result: 'sent to a@example.com' } });
  });

  const emailOnly = { email: (): number => 1 };
  it.each<[string, Record<string, unknown>, string]>([
    ['a queue without a key', { handlers: emailOnly, keys: {} }, "keys.email must be the 64-character lowercase hex key of queue 'email'"],
    ['a key of the wrong length', { handlers: emailOnly, keys: { email: 'abc123' } }, 'keys.email must be the 64-character'],
    ['an uppercase key (another key: the hex text is the key)', { handlers: emailOnly, keys: { email: KEYS.email.toUpperCase() } }, 'keys.email must be'],
    ['a bad next key', { handlers: emailOnly, keys: { email: KEYS.email }, nextKeys: { email: 'x'.repeat(64) } }, 'nextKeys.email must be'],
    ['a key for a queue it has no handler for', { handlers: emailOnly, keys: { email: KEYS.email, payments: KEYS.email } }, "keys.payments is given but handlers has no 'payments'"],
  ])('refuses options with %s at construction, without echoing any key', (_case, options, message) => {
    let thrown: unknown;
    try {
      createJobHandler(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toContain(message);
    expect((thrown as Error).message.toLowerCase()).not.toContain(KEYS.email.slice(0, 16));
  });

  it('types each handler by its queue, and infers the queues from the handlers when none are declared', () => {
    createJobHandler<Queues>({
      keys: KEYS,
      handlers: {
        email: (data, ctx) => {
          expectTypeOf(data).toEqualTypeOf<Queues['email']>();
          expectTypeOf(ctx.queueName).toEqualTypeOf<'email'>();
        },
        'image-gen': (data) => expectTypeOf(data).toEqualTypeOf<{ prompt: string }>(),
      },
    });
    // @ts-expect-error every declared queue needs a handler
    expect(() => createJobHandler<Queues>({ keys: KEYS, handlers: { email: () => 1 } })).toThrow(TypeError);
    // @ts-expect-error every declared queue needs a key
    expect(() => createJobHandler<Queues>({ keys: { email: KEYS.email }, handlers: { email: () => 1, 'image-gen': () => 2 } })).toThrow(TypeError);
    const analyticsKey = KEYS.email;
    createJobHandler({ keys: { analytics: analyticsKey }, handlers: { analytics: (data: { event: string }) => data.event } });
  });
});
