// Reports an async queue's attempt to the edge: `POST {edgeUrl}/callbacks/:queue/:jobId`, signed with
// the queue's feature key over "<t>.POST.<path>.<raw body>". For features using createJobHandler
// (ctx.defer()) and for any other code that got the 202'd call.

import { HEADER_SIGNATURE, type JobCallback } from '../protocol.ts';
import { Signer } from '../signing.ts';

export interface CompleteJobOptions {
  /** The edge's base URL, e.g. https://queue-worker.example.workers.dev */
  edgeUrl: string;
  queueName: string;
  jobId: string;
  /** The queue's feature key (64 hex characters), as it verifies the calls. */
  key: string;
  /** The attempt reported, 1-based (ctx.attempt / X-Queue-Attempt). */
  attempt: number;
  fetch?: typeof fetch;
}

/** The error a callback the edge refused carries: its status (409: late, repeated or another attempt). */
export class CallbackRefusedError extends Error {
  readonly status: number;

  constructor(status: number, body: string, options: { cause?: unknown } = {}) {
    super(`the edge refused the completion callback with ${status}: ${body.slice(0, 200)}`, options);
    this.name = 'CallbackRefusedError';
    this.status = status;
  }
}

export const callbackPath = (queueName: string, jobId: string): string => `/callbacks/${encodeURIComponent(queueName)}/${encodeURIComponent(jobId)}`;

/** Posts one report; throws CallbackRefusedError unless the edge counted it. */
export const completeJob = async (options: CompleteJobOptions, report: Omit<JobCallback, 'attempt'>): Promise<void> => {
  const path = callbackPath(options.queueName, options.jobId);
  const body = JSON.stringify({ attempt: options.attempt, ...report });
  const signature = await new Signer(options.key).signBridgeRequest('POST', path, body);
  const response = await (options.fetch ?? fetch)(`${options.edgeUrl.replace(/\/+$/, '')}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', [HEADER_SIGNATURE]: signature },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new CallbackRefusedError(response.status, text);
};
