// Signed requests from the bridge to the edge over one keep-alive agent, so hundreds of dispatches a
// second reuse a handful of TCP (and TLS) connections. Every answer that is not the documented one
// becomes an EdgeRequestError; callers treat those as infrastructure faults.

import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  HEADER_BRIDGE_ID,
  HEADER_SIGNATURE,
  type DispatchBatchRequest,
  type DispatchOutcome,
  type HeartbeatRequest,
} from '../src/protocol.ts';
import { isPlainObject, parseJsonOrUndefined } from '../src/json.ts';
import { parseDispatchOutcome } from './dispatch-outcome.ts';
import { RequestSigner } from './request-signer.ts';

const CONTROL_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const ERROR_SNIPPET_CHARS = 200;
/**
 * No cap on sockets in use: a batch holds its socket until its slowest feature call ends, so with
 * a cap a queue of slow calls would make every other queue's dispatch wait for a socket. Each
 * queue's own concurrency already bounds its requests. LIFO reuses the warmest idle socket.
 */
const AGENT_OPTIONS = { keepAlive: true, keepAliveMsecs: 15_000, maxSockets: Infinity, maxFreeSockets: 64, scheduling: 'lifo' } as const;

export class EdgeRequestError extends Error {
  readonly status?: number;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'EdgeRequestError';
    this.status = options.status;
  }
}

/** What every edge call reports, for health: a good answer (control calls time it) or the fault. */
export type EdgeCallResult = { ok: true; latencyMs?: number } | { ok: false; error: EdgeRequestError };

export type RegistrationsFetch = { changed: false } | { changed: true; etag?: string; registrations: unknown[] };

export interface EdgeClientOptions {
  edgeUrl: string;
  secret: string;
  bridgeId: string;
  onResult?: (result: EdgeCallResult) => void;
}

interface EdgeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface SendOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Called once the status line has arrived, before the body. */
  onResponseStart?: () => void;
  /** With a 200, the body is handed over line by line as it streams in instead of being kept. */
  onLine?: (line: string) => void;
}

export interface DispatchBatchOptions {
  timeoutMs: number;
  /** The edge has taken the batch (its answer has started): the next batch may go. */
  onAccepted: () => void;
  onOutcome: (jobId: string, outcome: DispatchOutcome) => void;
}

const snippet = (body: string): string => {
  const parsed = parseJsonOrUndefined(body);
  const message = isPlainObject(parsed) && isPlainObject(parsed.error) ? parsed.error.message : undefined;
  // Not the edge's JSON error shape: the raw start instead.
  return (typeof message === 'string' ? message : body).slice(0, ERROR_SNIPPET_CHARS);
};

export class EdgeClient {
  readonly #base: URL;
  readonly #signer: RequestSigner;
  readonly #bridgeId: string;
  readonly #agent: HttpAgent;
  readonly #request: typeof httpRequest;
  readonly #onResult: (result: EdgeCallResult) => void;

  constructor({ edgeUrl, secret, bridgeId, onResult = () => {} }: EdgeClientOptions) {
    this.#base = new URL(edgeUrl);
    this.#signer = new RequestSigner(secret);
    this.#bridgeId = bridgeId;
    const https = this.#base.protocol === 'https:';
    this.#agent = https ? new HttpsAgent(AGENT_OPTIONS) : new HttpAgent(AGENT_OPTIONS);
    this.#request = https ? httpsRequest : httpRequest;
    this.#onResult = onResult;
  }

  /** The edge's registrations, or `changed: false` when they still match `etag`. */
  async fetchRegistrations(etag?: string): Promise<RegistrationsFetch> {
    const { response, latencyMs } = await this.#call('GET', '/internal/registrations', '', {
      timeoutMs: CONTROL_TIMEOUT_MS,
      ...(etag ? { headers: { 'If-None-Match': etag } } : {}),
    });
    if (response.status === 304) {
      this.#onResult({ ok: true, latencyMs });
      return { changed: false };
    }
    this.#expectStatus(response, 200);
    const registrations = (parseJsonOrUndefined(response.body) as { registrations?: unknown } | undefined)?.registrations;
    if (!Array.isArray(registrations)) throw this.#fault(new EdgeRequestError('edge answered /internal/registrations without a registrations array'));
    this.#onResult({ ok: true, latencyMs });
    const newEtag = response.headers.etag;
    return { changed: true, registrations, ...(newEtag ? { etag: newEtag } : {}) };
  }

  /**
   * Runs one queue's jobs through the edge in one request; each outcome is handed to `onOutcome` as
   * its line arrives. Each request carries a fresh requestId, so a job sent again (after a throttle
   * or an edge fault) is never a byte-for-byte replay of an earlier request. Resolves once every job has an outcome; a missing or malformed line, like any
   * other unexpected answer, is an EdgeRequestError (the jobs without an outcome are not charged).
   */
  async dispatchBatch(batch: DispatchBatchRequest, { timeoutMs, onAccepted, onOutcome }: DispatchBatchOptions): Promise<void> {
    const waiting = new Set(batch.jobs.map((job) => job.jobId));
    let malformed: string | undefined;
    const body: DispatchBatchRequest = { ...batch, requestId: randomUUID() };
    const { response } = await this.#call('POST', '/internal/dispatch/batch', JSON.stringify(body), {
      timeoutMs,
      onResponseStart: onAccepted,
      onLine: (line) => {
        const parsed = parseJsonOrUndefined(line) as { jobId?: unknown } | undefined;
        const outcome = parseDispatchOutcome(parsed);
        if (!outcome || typeof parsed?.jobId !== 'string' || !waiting.delete(parsed.jobId)) {
          malformed ??= line;
          return;
        }
        onOutcome(parsed.jobId, outcome);
      },
    });
    this.#expectStatus(response, 200);
    if (malformed !== undefined) throw this.#fault(new EdgeRequestError(`edge answered a batch with a malformed line: ${snippet(malformed)}`, { status: 200 }));
    if (waiting.size > 0) throw this.#fault(new EdgeRequestError(`edge ended a batch without an outcome for ${waiting.size} job(s)`, { status: 200 }));
    // Its duration is mostly the features', so it says nothing about the edge's latency.
    this.#onResult({ ok: true });
  }

  async heartbeat(body: HeartbeatRequest): Promise<void> {
    const { response, latencyMs } = await this.#call('POST', '/internal/heartbeat', JSON.stringify(body), { timeoutMs: CONTROL_TIMEOUT_MS });
    if (response.status < 200 || response.status > 299) this.#expectStatus(response, 204);
    this.#onResult({ ok: true, latencyMs });
  }

  /** Asks the edge to abort the feature call of a cancelled job, wherever it runs (contract addition). */
  async cancelDispatch(queueName: string, jobId: string): Promise<void> {
    const { response } = await this.#call('POST', '/internal/dispatch/cancel', JSON.stringify({ queueName, jobId }), { timeoutMs: CONTROL_TIMEOUT_MS });
    this.#expectStatus(response, 200);
  }

  /** Pauses or resumes a queue through its registration at the edge (contract addition); the merged registration. */
  async setPaused(queueName: string, paused: boolean): Promise<unknown> {
    const route = `/internal/registrations/${encodeURIComponent(queueName)}/paused`;
    const { response } = await this.#call('POST', route, JSON.stringify({ paused }), { timeoutMs: CONTROL_TIMEOUT_MS });
    this.#expectStatus(response, 200);
    return parseJsonOrUndefined(response.body);
  }

  /** The edge's `/internal/status`, signed (contract addition): the figures the ops routes show. */
  async status(timeoutMs: number): Promise<unknown> {
    const { response } = await this.#call('GET', '/internal/status', '', { timeoutMs });
    this.#expectStatus(response, 200);
    return parseJsonOrUndefined(response.body);
  }

  /** Closes idle keep-alive sockets; in-flight requests finish or fail on their own. */
  close(): void {
    this.#agent.destroy();
  }

  #fault(error: EdgeRequestError): EdgeRequestError {
    this.#onResult({ ok: false, error });
    return error;
  }

  #expectStatus(response: EdgeResponse, status: number): void {
    if (response.status !== status) {
      throw this.#fault(new EdgeRequestError(`edge answered ${response.status}: ${snippet(response.body)}`, { status: response.status }));
    }
  }

  /** Sends one request; network faults and timeouts become EdgeRequestErrors. */
  async #call(method: string, route: string, body: string, options: SendOptions): Promise<{ response: EdgeResponse; latencyMs: number }> {
    const started = performance.now();
    try {
      const response = await this.#send(method, route, body, options);
      return { response, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      // The caller gave up (shutdown): not the edge's fault, so it is not reported as one.
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      const reason = error instanceof Error && error.name === 'TimeoutError' ? `did not answer within ${options.timeoutMs} ms` : `is unreachable (${error instanceof Error ? error.message : String(error)})`;
      throw this.#fault(new EdgeRequestError(`edge ${reason} on ${method} ${route}`, { cause: error }));
    }
  }

  async #send(method: string, route: string, body: string, { timeoutMs, signal, headers = {}, onResponseStart, onLine }: SendOptions): Promise<EdgeResponse> {
    const url = new URL(`${this.#base.pathname.replace(/\/$/, '')}${route}`, this.#base);
    // A deadline cleared when the exchange ends: AbortSignal.timeout's timer cannot be, so each
    // answered batch would keep its signal alive and build a DOMException when it fired, 37 s on.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    const options: RequestOptions = {
      method,
      agent: this.#agent,
      signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
      headers: {
        ...headers,
        [HEADER_SIGNATURE]: this.#signer.signBridgeRequest(method, url.pathname, body),
        [HEADER_BRIDGE_ID]: this.#bridgeId,
        ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
      },
    };
    return new Promise<EdgeResponse>((resolve, reject) => {
      const req = this.#request(url, options, (res) => {
        onResponseStart?.();
        const streaming = onLine !== undefined && res.statusCode === 200;
        const chunks: Buffer[] = [];
        let partial = '';
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (streaming) {
            const lines = (partial + chunk.toString('utf8')).split('\n');
            partial = lines.pop() ?? '';
            if (partial.length > MAX_RESPONSE_BYTES) req.destroy(new Error(`response line longer than ${MAX_RESPONSE_BYTES} bytes`));
            for (const line of lines) if (line) onLine(line);
            return;
          }
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          if (streaming && partial) onLine(partial);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new Error('connection closed before the response was complete'));
        });
      });
      req.on('error', (error) => reject(timeout.signal.aborted ? timeout.signal.reason : error));
      req.end(body || undefined);
    }).finally(() => clearTimeout(timer));
  }
}
