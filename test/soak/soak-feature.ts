// The soak's feature API: answers each call as the job's seed dictates (fates.ts) and keeps what
// reconciliation needs — calls per job, which jobs were being called at a given moment, and for
// every queue the calls in flight, checked on each arrival against the limit in force then.
// Lean on purpose (counters, not recorded requests): a soak sends it hundreds of thousands.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { queueKey } from '../../src/feature-keys.ts';
import { HEADER_IDEMPOTENCY_KEY, idempotencyKey, type FeatureJobRequest } from '../../src/protocol.ts';
import { QueueKeyVerifiers } from '../support/queue-key-verifiers.ts';
import { callbackDelayMs, callbackFor, postCallback, type CallbackResult } from './async-queues.ts';
import { answerFor, fateOf, type Answer } from './fates.ts';
import type { LimitTimeline } from './limits.ts';

/** A hung call the edge never aborts is answered after this, and then shows up as a wrong fate. */
const HANG_LIMIT_MS = 60_000;
const VIOLATIONS_KEPT = 20;

export const jobKey = (queue: string, jobId: string): string => `${queue}/${jobId}`;

export interface LimitViolation {
  queue: string;
  jobId: string;
  at: number;
  inFlight: number;
  allowed: number;
}

export interface QueueCallStats {
  calls: number;
  inFlight: number;
  peak: number;
  /** Calls that arrived with exactly the limit in flight: the limit was binding. */
  atLimit: number;
}

interface JobCalls {
  /** When each call arrived (ms since the epoch). */
  arrivals: number[];
  throttlesSent: number;
}

export interface SoakFeatureOptions {
  signingSecret: string;
  limits: LimitTimeline;
  /** Queues whose calls are answered 202 and reported by callback. */
  asyncQueues: ReadonlySet<string>;
}

export interface AsyncFigures {
  /** 202'd calls for an attempt that had already been 202'd. */
  repeatedAttemptCalls: number;
  /** Callbacks by how they ended (postCallback). */
  callbacksByStatus: Map<CallbackResult, number>;
}

export class SoakFeature {
  url = '';
  /** Where callbacks go; set once the edge is up. */
  edgeUrl = '';
  readonly asyncFigures: AsyncFigures = { repeatedAttemptCalls: 0, callbacksByStatus: new Map() };
  /** Calls whose signature did not verify, or whose body or headers were not the protocol's. */
  badRequests = 0;
  violationCount = 0;
  readonly violations: LimitViolation[] = [];
  readonly #server: Server;
  readonly #verifiers: QueueKeyVerifiers;
  readonly #options: SoakFeatureOptions;
  readonly #jobs = new Map<string, JobCalls>();
  readonly #queues = new Map<string, QueueCallStats>();
  /** When each call of a queue arrived, for judging its rate limit. */
  readonly #queueArrivals = new Map<string, number[]>();
  readonly #open = new Map<string, number>();
  /** Job keys in arrival order, for "who was called between these two moments". */
  readonly #arrivals: string[] = [];
  /** Async attempts already 202'd ("queue/job#attempt"). */
  readonly #deferredAttempts = new Set<string>();
  readonly #callbacks = new Set<Promise<void>>();
  readonly #closing = new AbortController();

  private constructor(options: SoakFeatureOptions) {
    this.#options = options;
    this.#verifiers = new QueueKeyVerifiers(options.signingSecret);
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 30_000;
  }

  static async start(options: SoakFeatureOptions): Promise<SoakFeature> {
    const feature = new SoakFeature(options);
    await new Promise<void>((resolve) => feature.#server.listen(0, '127.0.0.1', resolve));
    feature.url = `http://127.0.0.1:${(feature.#server.address() as AddressInfo).port}`;
    return feature;
  }

  /** When each call for the job arrived. */
  callsOf(queue: string, jobId: string): number[] {
    return this.#jobs.get(jobKey(queue, jobId))?.arrivals ?? [];
  }

  /** When each call of the queue arrived (ms since the epoch), in arrival order. */
  arrivalsOf(queue: string): number[] {
    return this.#queueArrivals.get(queue) ?? [];
  }

  queueStats(queue: string): QueueCallStats {
    return this.#queues.get(queue) ?? { calls: 0, inFlight: 0, peak: 0, atLimit: 0 };
  }

  /** A position in the arrival log. */
  get mark(): number {
    return this.#arrivals.length;
  }

  /** Jobs with a call open now, or arriving since `mark`. */
  jobsCalledSince(mark: number): string[] {
    return [...this.#open.keys(), ...this.#arrivals.slice(mark)];
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all(this.#callbacks);
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const request = parseRequest(raw);
    const signed = await this.#verifiers.verify(req.headers['x-queue-name'] as string | undefined, req.headers['x-queue-signature'] as string | undefined, raw);
    const known = request && this.#options.limits.has(request.queueName);
    const idempotent = request && req.headers[HEADER_IDEMPOTENCY_KEY.toLowerCase()] === idempotencyKey(request.queueName, request.jobId);
    if (!request || !known || !signed || !idempotent) {
      this.badRequests++;
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"not a valid soak call"}');
      return;
    }
    const key = jobKey(request.queueName, request.jobId);
    const job = this.#jobs.get(key) ?? { arrivals: [], throttlesSent: 0 };
    this.#jobs.set(key, job);
    job.arrivals.push(Date.now());
    const finish = this.#enter(request.queueName, request.jobId, key);
    res.once('close', finish);

    const answer = answerFor(request.data.seed, fateOf(request.data.seed), request.attemptsMade, job.throttlesSent);
    if (this.#options.asyncQueues.has(request.queueName) && !answer.hang && answer.status !== 429) {
      finish();
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
      this.#defer(request, Number(req.headers['x-queue-attempt']), answer);
      return;
    }
    const delayMs = answer.hang ? HANG_LIMIT_MS : (answer.delayMs ?? 0);
    if (delayMs > 0) await untilClosedOr(res, delayMs);
    if (res.destroyed) return;
    const reply = answer.hang ? { status: 200, body: { success: true, result: 'hung call answered late' }, headers: {} } : answer;
    if (reply.status === 429) job.throttlesSent++;
    finish();
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(reply.body));
  }

  /** Reports the 202'd attempt by callback after a short delay, and counts a second call for it. */
  #defer(request: SoakCall, attempt: number, answer: Extract<Answer, { status: number }>): void {
    const attemptKey = `${jobKey(request.queueName, request.jobId)}#${attempt}`;
    if (this.#deferredAttempts.has(attemptKey)) this.asyncFigures.repeatedAttemptCalls++;
    this.#deferredAttempts.add(attemptKey);
    const report = async () => {
      await new Promise((resolve) => setTimeout(resolve, callbackDelayMs()));
      const key = await queueKey(this.#options.signingSecret, request.queueName);
      const options = { edgeUrl: this.edgeUrl, queueName: request.queueName, jobId: request.jobId, key, attempt };
      const status = await postCallback(options, callbackFor(answer), this.#closing.signal);
      if (!this.#closing.signal.aborted) this.asyncFigures.callbacksByStatus.set(status, (this.asyncFigures.callbacksByStatus.get(status) ?? 0) + 1);
    };
    const pending: Promise<void> = report().finally(() => this.#callbacks.delete(pending));
    this.#callbacks.add(pending);
  }

  /** Counts the call in; the returned function counts it out (once). */
  #enter(queue: string, jobId: string, key: string): () => void {
    const stats = this.#queues.get(queue) ?? { calls: 0, inFlight: 0, peak: 0, atLimit: 0 };
    this.#queues.set(queue, stats);
    stats.calls++;
    stats.inFlight++;
    stats.peak = Math.max(stats.peak, stats.inFlight);
    this.#open.set(key, (this.#open.get(key) ?? 0) + 1);
    this.#arrivals.push(key);
    const at = Date.now();
    const arrivals = this.#queueArrivals.get(queue) ?? [];
    this.#queueArrivals.set(queue, arrivals);
    arrivals.push(at);
    const allowed = this.#options.limits.allowedAt(queue, at);
    if (stats.inFlight === allowed) stats.atLimit++;
    if (stats.inFlight > allowed) {
      this.violationCount++;
      if (this.violations.length < VIOLATIONS_KEPT) this.violations.push({ queue, jobId, at, inFlight: stats.inFlight, allowed });
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      stats.inFlight--;
      const open = (this.#open.get(key) ?? 1) - 1;
      if (open > 0) this.#open.set(key, open);
      else this.#open.delete(key);
    };
  }
}

type SoakCall = FeatureJobRequest & { data: { seed: number } };

const parseRequest = (raw: string): SoakCall | undefined => {
  try {
    const body = JSON.parse(raw) as Partial<SoakCall>;
    const valid = typeof body.jobId === 'string' && typeof body.queueName === 'string' && typeof body.attemptsMade === 'number' && typeof body.data?.seed === 'number';
    return valid ? (body as SoakCall) : undefined;
  } catch {
    return undefined;
  }
};

/** Waits `ms`, or less if the caller hangs up (the edge's timeout, an edge restart). */
const untilClosedOr = (res: ServerResponse, ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};
