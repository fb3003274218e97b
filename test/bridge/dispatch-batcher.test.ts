// The bridge's per-queue batching, against a scripted edge: an idle queue's job goes at once; jobs
// arriving while a batch waits to be taken travel together; outcomes reach the right job.

import { describe, expect, it } from 'vitest';
import { DispatchBatcher } from '../../bridge/dispatch-batcher.ts';
import type { DispatchBatchOptions } from '../../bridge/edge-client.ts';
import { EdgeRequestError } from '../../bridge/edge-client.ts';
import { MAX_BATCH_JOBS, type DispatchBatchRequest, type DispatchOutcome } from '../../src/protocol.ts';

interface SentBatch {
  batch: DispatchBatchRequest;
  options: DispatchBatchOptions;
  finish: (error?: unknown) => void;
}

/** An edge that records each batch and answers only when the test says so. */
const scriptedEdge = () => {
  const sent: SentBatch[] = [];
  return {
    sent,
    edge: {
      dispatchBatch: (batch: DispatchBatchRequest, options: DispatchBatchOptions) =>
        new Promise<void>((resolve, reject) => sent.push({ batch, options, finish: (error) => (error ? reject(error) : resolve()) })),
    },
  };
};

const job = (jobId: string) => ({ jobId, queueName: 'email', data: { jobId }, attemptsMade: 0 });
const completed = (result: unknown): DispatchOutcome => ({ outcome: 'completed', result, durationMs: 1 });
const ids = (sent: SentBatch) => sent.batch.jobs.map((j) => j.jobId);

describe('DispatchBatcher', () => {
  it('sends an idle queue’s job at once, batches what arrives before the edge takes it, and routes each outcome', async () => {
    const { edge, sent } = scriptedEdge();
    const batcher = new DispatchBatcher('email', edge);

    const first = batcher.dispatch(job('a'), { timeoutMs: 1_000 });
    expect(sent.map(ids)).toEqual([['a']]);
    const later = ['b', 'c', 'd'].map((id) => batcher.dispatch(job(id), { timeoutMs: 2_000 }));
    expect(sent).toHaveLength(1);

    sent[0].options.onAccepted();
    expect(sent.map(ids)).toEqual([['a'], ['b', 'c', 'd']]);
    expect(sent[1].batch.queueName).toBe('email');
    expect(sent[1].options.timeoutMs).toBe(2_000);

    sent[1].options.onOutcome('c', completed('C'));
    sent[1].options.onOutcome('b', completed('B'));
    sent[0].options.onOutcome('a', completed('A'));
    sent[1].options.onOutcome('d', completed('D'));
    sent.forEach((s) => s.finish());
    expect(await first).toMatchObject({ result: 'A' });
    expect(await Promise.all(later)).toMatchObject([{ result: 'B' }, { result: 'C' }, { result: 'D' }]);
  });

  it('splits what waited into batches of at most MAX_BATCH_JOBS, one of each job id', async () => {
    const { edge, sent } = scriptedEdge();
    const batcher = new DispatchBatcher('email', edge);
    void batcher.dispatch(job('first'), { timeoutMs: 1_000 }).catch(() => {});
    for (let i = 0; i < MAX_BATCH_JOBS + 5; i++) void batcher.dispatch(job(`j${i}`), { timeoutMs: 1_000 }).catch(() => {});
    void batcher.dispatch(job('j0'), { timeoutMs: 1_000 }).catch(() => {});

    sent[0].options.onAccepted();
    sent[1].options.onAccepted();
    expect(sent.map((s) => s.batch.jobs.length)).toEqual([1, MAX_BATCH_JOBS, 6]);
    expect(ids(sent[2])).toContain('j0');
  });

  it('a failed batch fails each of its jobs with the edge’s error; the next batch still goes', async () => {
    const { edge, sent } = scriptedEdge();
    const batcher = new DispatchBatcher('email', edge);
    const lost = batcher.dispatch(job('a'), { timeoutMs: 1_000 });
    const queued = batcher.dispatch(job('b'), { timeoutMs: 1_000 });
    const fault = new EdgeRequestError('edge answered 502: bad gateway', { status: 502 });
    sent[0].finish(fault);

    await expect(lost).rejects.toBe(fault);
    expect(sent.map(ids)).toEqual([['a'], ['b']]);
    sent[1].options.onOutcome('b', completed('B'));
    sent[1].finish();
    expect(await queued).toMatchObject({ result: 'B' });
  });

  it('a cancelled job is dropped before it is sent, or its late outcome ignored', async () => {
    const { edge, sent } = scriptedEdge();
    const batcher = new DispatchBatcher('email', edge);
    const inFlight = new AbortController();
    const waiting = new AbortController();
    const a = batcher.dispatch(job('a'), { timeoutMs: 1_000, signal: inFlight.signal });
    const b = batcher.dispatch(job('b'), { timeoutMs: 1_000, signal: waiting.signal });

    waiting.abort(new Error('shutting down'));
    await expect(b).rejects.toThrow('shutting down');
    inFlight.abort(new Error('shutting down'));
    await expect(a).rejects.toThrow('shutting down');

    sent[0].options.onOutcome('a', completed('too late'));
    sent[0].finish();
    expect(sent.map(ids)).toEqual([['a']]);
  });
});
