// One queue's dispatches to the edge, batched the way Nagle batches TCP segments: a job goes out at
// once when no batch is waiting for the edge to take it; jobs that arrive meanwhile travel together
// in the next request. An idle queue pays no added latency; a busy one pays the edge's per-request
// cost once per batch instead of once per job.

import { MAX_BATCH_BODY_BYTES, MAX_BATCH_JOBS, type DispatchOutcome, type DispatchRequest } from '../src/protocol.ts';
import type { EdgeClient } from './edge-client.ts';

/** Room left in a batch body for its envelope and the JSON between jobs. */
const BATCH_ENVELOPE_BYTES = 4 * 1024;

export interface DispatchOptions {
  /** Bounds the whole exchange with the edge. */
  timeoutMs: number;
  /** Gives up on this job (its outcome, if one comes, is ignored). */
  signal?: AbortSignal;
}

/** What the processor needs: one job in, its outcome out. */
export interface Dispatcher {
  dispatch(request: DispatchRequest, options: DispatchOptions): Promise<DispatchOutcome>;
}

interface Entry {
  job: Omit<DispatchRequest, 'queueName'>;
  bytes: number;
  timeoutMs: number;
  settled: boolean;
  resolve: (outcome: DispatchOutcome) => void;
  reject: (error: unknown) => void;
}

export class DispatchBatcher implements Dispatcher {
  readonly #queueName: string;
  readonly #edge: Pick<EdgeClient, 'dispatchBatch'>;
  #pending: Entry[] = [];
  #awaitingAccept = false;

  constructor(queueName: string, edge: Pick<EdgeClient, 'dispatchBatch'>) {
    this.#queueName = queueName;
    this.#edge = edge;
  }

  dispatch({ queueName: _sameForEveryJob, ...job }: DispatchRequest, { timeoutMs, signal }: DispatchOptions): Promise<DispatchOutcome> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.#pending = this.#pending.filter((e) => e !== entry);
        settle(entry, () => reject(signal?.reason));
      };
      const entry: Entry = {
        job,
        bytes: Buffer.byteLength(JSON.stringify(job)),
        timeoutMs,
        settled: false,
        resolve: (outcome) => (signal?.removeEventListener('abort', onAbort), resolve(outcome)),
        reject: (error) => (signal?.removeEventListener('abort', onAbort), reject(error)),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.push(entry);
      this.#send();
    });
  }

  #send(): void {
    if (this.#awaitingAccept || this.#pending.length === 0) return;
    const batch = this.#takeBatch();
    const byId = new Map(batch.map((entry) => [entry.job.jobId, entry]));
    this.#awaitingAccept = true;
    const accepted = () => {
      if (!this.#awaitingAccept) return;
      this.#awaitingAccept = false;
      this.#send();
    };
    this.#edge
      .dispatchBatch(
        { queueName: this.#queueName, jobs: batch.map((entry) => entry.job) },
        {
          timeoutMs: Math.max(...batch.map((entry) => entry.timeoutMs)),
          onAccepted: accepted,
          onOutcome: (jobId, outcome) => {
            const entry = byId.get(jobId);
            if (entry) settle(entry, () => entry.resolve(outcome));
          },
        },
      )
      .catch((error: unknown) => {
        for (const entry of byId.values()) settle(entry, () => entry.reject(error));
      })
      .finally(accepted);
  }

  /** The oldest pending jobs that fit one request: at most MAX_BATCH_JOBS, within the body limit, one of each id. */
  #takeBatch(): Entry[] {
    const batch: Entry[] = [];
    const rest: Entry[] = [];
    const ids = new Set<string>();
    let bytes = BATCH_ENVELOPE_BYTES;
    for (const entry of this.#pending) {
      const fits = batch.length === 0 || (batch.length < MAX_BATCH_JOBS && bytes + entry.bytes <= MAX_BATCH_BODY_BYTES && !ids.has(entry.job.jobId));
      if (!fits) {
        rest.push(entry);
        continue;
      }
      batch.push(entry);
      ids.add(entry.job.jobId);
      bytes += entry.bytes;
    }
    this.#pending = rest;
    return batch;
  }
}

const settle = (entry: Entry, action: () => void): void => {
  if (entry.settled) return;
  entry.settled = true;
  action();
};
