// The producer for code that runs on Workers (no TCP, so no BullMQ): adds jobs through the edge's
// POST /queues/:name/jobs. Web-standard fetch only; pass a service binding's fetch to skip the
// public internet.

import { isPlainObject, parseJsonOrUndefined } from '../json.ts';
import type { AddJobOptions } from '../jobs/job-options.ts';
import { HEADER_TRACEPARENT } from '../tracing/traceparent.ts';

export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface EdgeQueueClientOptions {
  /** The edge's base URL, e.g. https://queue-worker-edge.example.workers.dev */
  url: string;
  /** PRODUCER_TOKEN */
  token: string;
  /** Defaults to the global fetch; `(url, init) => env.QUEUE_EDGE.fetch(url, init)` for a service binding. */
  fetch?: FetchFunction;
}

/** The edge refused the job or could not take it; `status` and `code` come from its answer. */
export class EdgeQueueError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;

  constructor(status: number, code: string, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'EdgeQueueError';
    this.status = status;
    this.code = code;
    this.details = options.details;
  }
}

const errorFrom = async (response: Response): Promise<EdgeQueueError> => {
  const text = await response.text();
  const body = parseJsonOrUndefined(text);
  const { code, message, details } = isPlainObject(body) && isPlainObject(body.error) ? body.error : {};
  // The edge's error shape ({error: {code, message, details?}}); anything else is shown as it came.
  if (typeof code === 'string' && typeof message === 'string') return new EdgeQueueError(response.status, code, message, { details });
  return new EdgeQueueError(response.status, 'unexpected_response', `the edge answered ${response.status}: ${text.slice(0, 200)}`);
};

/** `Queues` maps queue names to their data, as for QueueClient. */
export class EdgeQueueClient<Queues extends object = Record<string, unknown>> {
  readonly #base: string;
  readonly #token: string;
  readonly #fetch: FetchFunction;

  constructor({ url, token, fetch: fetcher }: EdgeQueueClientOptions) {
    this.#base = url.replace(/\/+$/, '');
    this.#token = token;
    // workerd refuses a global fetch called as a method of another object ("Illegal invocation").
    this.#fetch = fetcher ?? ((target, init) => fetch(target, init));
  }

  /** Adds one job; resolves to its id (the existing job's id when `opts.jobId` is already taken). */
  async addJob<Q extends keyof Queues & string>(queue: Q, data: Queues[Q], opts: AddJobOptions = {}): Promise<string> {
    const { name, traceparent, ...options } = opts;
    const response = await this.#fetch(`${this.#base}/queues/${encodeURIComponent(queue)}/jobs`, {
      method: 'POST',
      // The trace travels as the standard header, which the edge reads (and restarts if invalid).
      headers: { Authorization: `Bearer ${this.#token}`, 'Content-Type': 'application/json', ...(traceparent ? { [HEADER_TRACEPARENT]: traceparent } : {}) },
      body: JSON.stringify({ name, data, opts: options }),
    });
    if (response.status !== 200 && response.status !== 201) throw await errorFrom(response);
    return ((await response.json()) as { jobId: string }).jobId;
  }
}
