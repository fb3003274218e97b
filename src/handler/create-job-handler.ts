// The feature side of a job call: `(Request) => Promise<Response>`, so it serves from a Worker's
// fetch, a Hono route (`c.req.raw`) or Node through @hono/node-server alike.

import { readLimitedText } from '../http/read-limited-text.ts';
import { HEADER_QUEUE_NAME, HEADER_SIGNATURE, MAX_JOB_BODY_BYTES, idempotencyKey, type FeatureJobResponse } from '../protocol.ts';
import { ReplayGuard } from '../replay-guard.ts';
import { VERIFY_FAILURE_MESSAGES } from '../signature-failures.ts';
import { featureSigningPayload } from '../signing.ts';
import { HEADER_TRACEPARENT, isTraceparent } from '../tracing/traceparent.ts';
import { completeJob } from './complete-job.ts';
import { NonRetryableError, RetryAfterError } from './errors.ts';
import { parseJobRequest } from './parse-job-request.ts';
import { queueVerifiers } from './queue-verifiers.ts';
import type { CreateJobHandlerOptions, DeferredJob, JobContext } from './types.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json' };
/** Calls remembered for their 5-minute window, per handler; beyond it the oldest are forgotten. */
const MAX_REMEMBERED_CALLS = 10_000;
const REPLAY_RETRY_AFTER_SECONDS = 1;

const respond = (status: number, body: FeatureJobResponse & { retryAfterMs?: number }, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });

/** A refusal of the request itself; the edge fails such jobs without retrying. */
const refuse = (status: number, error: string, headers?: Record<string, string>): Response =>
  respond(status, { success: false, retryable: false, error }, headers);

const replayed = (): Response =>
  respond(
    429,
    { success: false, error: 'this call was already accepted once; a repeated call must be signed anew', retryAfterMs: REPLAY_RETRY_AFTER_SECONDS * 1000 },
    { 'Retry-After': String(REPLAY_RETRY_AFTER_SECONDS) },
  );

const messageOf = (error: unknown): string => {
  if (error instanceof Error) return error.message || `job handler threw ${error.name}`;
  return String(error);
};

const completed = (result: unknown): Response => {
  let body: string;
  try {
    body = JSON.stringify({ success: true, result });
  } catch (error) {
    // The work is done but its result cannot be reported; running it again would not help.
    return refuse(200, `job handler returned a result that is not JSON-serialisable: ${messageOf(error)}`);
  }
  return new Response(body, { status: 200, headers: JSON_HEADERS });
};

/** The answer to a deferred call: the job is taken, its report comes by callback. */
const accepted = (): Response => new Response(JSON.stringify({ accepted: true }), { status: 202, headers: JSON_HEADERS });

const failed = (error: unknown): Response => {
  if (error instanceof RetryAfterError) {
    const seconds = Math.ceil(error.retryAfterMs / 1000);
    return respond(429, { success: false, error: error.message, retryAfterMs: error.retryAfterMs }, { 'Retry-After': String(seconds) });
  }
  if (error instanceof NonRetryableError) return refuse(200, error.message);
  return respond(200, { success: false, error: messageOf(error) });
};

/**
 * The handler for POST /internal/process-job. A call is checked in order of cost: its queue (the
 * X-Queue-Name header only picks the key: unknown → 404), the signature header's format and age,
 * the body's size, one HMAC per key over the raw body, that the signature is not a replay, and
 * last that the signed body names the same queue — so a key of one queue never runs another
 * queue's handler.
 */
export const createJobHandler = <Queues extends object>(options: CreateJobHandlerOptions<Queues>): ((request: Request) => Promise<Response>) => {
  const { handlers, verifiers } = queueVerifiers(options);
  const claimed = new ReplayGuard(MAX_REMEMBERED_CALLS);
  const keys = new Map(Object.entries(options.keys) as [string, string][]);

  return async (request) => {
    if (request.method !== 'POST') return refuse(405, 'only POST is accepted', { Allow: 'POST' });
    const queue = request.headers.get(HEADER_QUEUE_NAME);
    if (queue === null) return refuse(400, `missing ${HEADER_QUEUE_NAME} header`);
    const verifier = verifiers.get(queue);
    const handler = handlers.get(queue);
    if (!verifier || !handler) return refuse(404, `no handler for queue '${queue}'`);
    const checked = verifier.checkHeader(request.headers.get(HEADER_SIGNATURE));
    if (!checked.ok) return refuse(401, VERIFY_FAILURE_MESSAGES[checked.reason]);
    const raw = await readLimitedText(request, MAX_JOB_BODY_BYTES);
    if (raw === undefined) return refuse(413, `request body must be at most ${MAX_JOB_BODY_BYTES} bytes`);
    const verified = await verifier.verifyPayload(checked.signature, featureSigningPayload(checked.signature.timestamp, raw));
    if (!verified.ok) return refuse(401, VERIFY_FAILURE_MESSAGES[verified.reason]);
    // A signature seen before is a replay and the handler does not run again. Answered 429, not a
    // 4xx the edge treats as final: should a genuine call ever repeat, the edge puts the job back
    // uncharged and its next call, signed anew, runs.
    if (!claimed.claim(verified.signature, verifier.validUntil(verified.timestamp))) return replayed();
    const parsed = parseJobRequest(raw);
    if (!parsed.ok) return refuse(400, parsed.message);

    const { jobId, queueName, data, attemptsMade, name } = parsed.value;
    const traceparent = request.headers.get(HEADER_TRACEPARENT);
    if (queueName !== queue) return refuse(403, `the call is signed with the key of queue '${queue}' but its body names queue '${queueName}'`);
    let deferred = false;
    const defer = (): DeferredJob => {
      if (options.edgeUrl === undefined) throw new TypeError('createJobHandler: ctx.defer() needs the edgeUrl option');
      deferred = true;
      const target = { edgeUrl: options.edgeUrl, queueName, jobId, key: keys.get(queueName) ?? '', attempt: attemptsMade + 1 };
      return {
        complete: (result) => completeJob(target, { success: true, result: result ?? null }),
        fail: (error, { retryable } = {}) => completeJob(target, { success: false, error: messageOf(error), ...(retryable === undefined ? {} : { retryable }) }),
      };
    };
    const ctx: JobContext = {
      jobId,
      queueName,
      ...(name === undefined ? {} : { name }),
      attempt: attemptsMade + 1,
      attemptsMade,
      idempotencyKey: idempotencyKey(queueName, jobId),
      signal: request.signal,
      ...(isTraceparent(traceparent) ? { traceparent } : {}),
      request,
      defer,
    };
    try {
      const result = await handler(data, ctx);
      return deferred ? accepted() : completed(result);
    } catch (error) {
      return failed(error);
    }
  };
};
