// The outcome → BullMQ mapping in isolation, with a scripted edge: what is thrown, what is held off.

import { RateLimitError, UnrecoverableError, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { EdgeRequestError } from '../../bridge/edge-client.ts';
import { createLogger } from '../../bridge/logger.ts';
import { CANCEL_SIGNAL_REASON } from '../../bridge/ops/job-cancelled.ts';
import { createProcessor, FaultBackoff, JobAttemptError } from '../../bridge/processor.ts';
import { TRACING_OFF } from '../../bridge/tracing/tracing.ts';
import type { DispatchOutcome, DispatchRequest, Registration } from '../../src/protocol.ts';
import { traceMetadata } from '../../src/tracing/traceparent.ts';
import { TRACEPARENT } from '../support/trace-patterns.ts';

const REGISTRATION: Registration = {
  name: 'email',
  endpoint: 'http://email-api:3020',
  path: '/internal/process-job',
  concurrency: 2,
  timeoutMs: 1_000,
  retry: { attempts: 4, backoff: { type: 'exponential', delayMs: 100, maxDelayMs: 1_000, jitter: 0 } },
  paused: false,
  version: 1,
  updatedAt: '2026-11-27T12:00:00.000Z',
};

type EdgeAnswer = DispatchOutcome | Error;
const RESULT_MAX_BYTES = 1_000;

const setup = (answers: EdgeAnswer[], { shutdown = new AbortController() } = {}) => {
  const holdOffs: number[] = [];
  const cancelledAtEdge: string[] = [];
  const dispatched: DispatchRequest[] = [];
  const process = createProcessor({
    queueName: 'email',
    edge: {
      dispatch: async (request) => {
        dispatched.push(request);
        const answer = answers.shift();
        if (!answer) throw new Error('no answer scripted');
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
    registration: () => REGISTRATION,
    holdOff: async (ms) => void holdOffs.push(ms),
    faults: new FaultBackoff(),
    shutdown: shutdown.signal,
    resultMaxBytes: RESULT_MAX_BYTES,
    storedData: async () => null,
    cancelAtEdge: async (jobId) => void cancelledAtEdge.push(jobId),
    // Each line through the job's own log, where trailedJob keeps it.
    trail: { write: (job, line) => void job.log(line) },
    bridgeId: 'bridge-test',
    tracing: TRACING_OFF,
    logger: createLogger({ level: 'silent', format: 'json' }),
  });
  return { process, holdOffs, dispatched, cancelledAtEdge };
};

const fakeJob = (opts: Partial<Job['opts']> = {}, fields: Partial<Job> = {}): Job =>
  ({ id: '7', name: 'welcome', data: { to: 'ada' }, attemptsMade: 0, log: async () => 1, ...fields, opts: { attempts: 0, ...opts } }) as unknown as Job;

/** A job whose attempt-trail lines are kept. */
const trailedJob = () => {
  const lines: Record<string, unknown>[] = [];
  const job = fakeJob({}, { log: async (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } as Partial<Job>);
  return { job, lines };
};

const deep = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

describe('createProcessor', () => {
  it('completed: returns the result; the dispatch carries the seed fields', async () => {
    const { process, dispatched } = setup([{ outcome: 'completed', result: { id: 'm-1' }, durationMs: 5 }]);

    expect(await process(fakeJob())).toEqual({ id: 'm-1' });
    expect(dispatched).toEqual([{ jobId: '7', queueName: 'email', data: { to: 'ada' }, attemptsMade: 0, name: 'welcome', traceparent: expect.stringMatching(TRACEPARENT) }]);
  });

  it('passes on the trace the job carries in opts.telemetry, and starts one for a job without', async () => {
    const { process, dispatched } = setup([
      { outcome: 'completed', result: null, durationMs: 1 },
      { outcome: 'completed', result: null, durationMs: 1 },
    ]);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    await process(fakeJob({ telemetry: { metadata: traceMetadata(traceparent) } }));
    await process(fakeJob({ telemetry: { metadata: '{"traceparent":"not one"}' } }));

    expect(dispatched[0].traceparent).toBe(traceparent);
    expect(dispatched[1].traceparent).toMatch(TRACEPARENT);
    expect(dispatched[1].traceparent?.slice(3, 35)).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it("failed, retryable: a plain error carrying the feature's message; the job takes the registration's retry policy", async () => {
    const { process } = setup([{ outcome: 'failed', retryable: true, error: { message: 'smtp down', status: 503 }, durationMs: 5 }]);
    const job = fakeJob();

    const error = await process(job).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(JobAttemptError);
    expect(error).toMatchObject({ message: 'smtp down', status: 503 });
    expect(job.opts).toMatchObject({ attempts: 4, backoff: { type: 'registration' } });
  });

  it("keeps a producer's own attempts and backoff", async () => {
    const { process } = setup([{ outcome: 'failed', retryable: true, error: { message: 'x' }, durationMs: 1 }]);
    const job = fakeJob({ attempts: 1, backoff: { type: 'fixed', delay: 10 } });

    await process(job).catch(() => {});

    expect(job.opts).toMatchObject({ attempts: 1, backoff: { type: 'fixed', delay: 10 } });
  });

  it('failed, not retryable: UnrecoverableError with the message', async () => {
    const { process } = setup([{ outcome: 'failed', retryable: false, error: { message: 'bad address', status: 400 }, durationMs: 1 }]);

    await expect(process(fakeJob())).rejects.toThrow(new UnrecoverableError('bad address'));
  });

  it('throttled: holds the queue off for retryAfterMs and hands the job back uncharged', async () => {
    const { process, holdOffs } = setup([{ outcome: 'throttled', retryAfterMs: 1_234, reason: 'busy' }]);

    await expect(process(fakeJob())).rejects.toBeInstanceOf(RateLimitError);
    expect(holdOffs).toEqual([1_234]);
  });

  it('edge faults: growing hold-offs, job handed back uncharged; a good answer resets the growth', async () => {
    const fault = () => new EdgeRequestError('edge answered 502: bad gateway', { status: 502 });
    const done: DispatchOutcome = { outcome: 'completed', result: null, durationMs: 1 };
    const { process, holdOffs } = setup([fault(), fault(), fault(), done, fault()]);

    for (let i = 0; i < 3; i++) await expect(process(fakeJob())).rejects.toBeInstanceOf(RateLimitError);
    await process(fakeJob());
    await expect(process(fakeJob())).rejects.toBeInstanceOf(RateLimitError);

    const [first, second, third, afterReset] = holdOffs;
    expect(second).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(second);
    expect(afterReset).toBeLessThanOrEqual(first * 1.25);
  });

  it('shutdown: an abandoned dispatch hands the job straight back, with no hold-off', async () => {
    const shutdown = new AbortController();
    shutdown.abort();
    const { process, holdOffs } = setup([new Error('aborted')], { shutdown });

    await expect(process(fakeJob())).rejects.toBeInstanceOf(RateLimitError);
    expect(holdOffs).toEqual([]);
  });

  describe('poison jobs and stored text (issue 11)', () => {
    it.each([
      ['a 300-character id', { id: 'x'.repeat(300) }, /^job cannot be dispatched: jobId must be at most 256 characters/],
      ["BullMQ's key name 'completed' as id", { id: 'completed' }, /^job cannot be dispatched: jobId must not be one of BullMQ's own key names/],
      ['an id with CR/LF', { id: 'a\r\nb' }, /^job cannot be dispatched: jobId must contain only printable ASCII/],
      ['data nested 5,377 levels', { data: deep(5_377) }, /^job cannot be dispatched: data must be nested at most 64 levels deep$/],
      ['5 MiB of data', { data: 'x'.repeat(5 * 1024 * 1024) }, /^job cannot be dispatched: data must be at most \d+ bytes as JSON, got 5242882$/],
      ['NaN in data', { data: { n: Number.NaN } }, /^job cannot be dispatched: data holds NaN at data\.n/],
    ])('%s: fails at once, not retryable, never dispatched, its queue not held off', async (_case, fields, reason) => {
      const { process, dispatched, holdOffs } = setup([]);

      const error = await process(fakeJob({}, fields as Partial<Job>)).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(UnrecoverableError);
      expect((error as Error).message).toMatch(reason);
      expect(dispatched).toEqual([]);
      expect(holdOffs).toEqual([]);
    });

    it('an outsized job name stays behind; the job still goes', async () => {
      const { process, dispatched } = setup([{ outcome: 'completed', result: null, durationMs: 1 }]);

      await process(fakeJob({}, { name: 'n'.repeat(10_000) }));

      expect(dispatched).toHaveLength(1);
      expect(dispatched[0]).not.toHaveProperty('name');
    });

    it("keeps a feature's error message to 1 KiB and stores no stack of ours", async () => {
      const huge = 'E'.repeat(1_000_000);
      const { process } = setup([
        { outcome: 'failed', retryable: true, error: { message: huge }, durationMs: 1 },
        { outcome: 'failed', retryable: false, error: { message: huge }, durationMs: 1 },
      ]);

      for (const expected of [JobAttemptError, UnrecoverableError]) {
        const error = (await process(fakeJob()).catch((e: unknown) => e)) as Error;
        expect(error).toBeInstanceOf(expected);
        expect(new TextEncoder().encode(error.message).byteLength).toBeLessThanOrEqual(1024);
        expect(error.message.startsWith('EEEE')).toBe(true);
        // BullMQ stores job.stacktrace only from a non-empty stack.
        expect(error.stack).toBe('');
      }
    });

    it('a result over RESULT_MAX_BYTES completes as { resultTruncated }; one within it is kept', async () => {
      const big = { blob: 'r'.repeat(RESULT_MAX_BYTES) };
      const { process } = setup([
        { outcome: 'completed', result: big, durationMs: 1 },
        { outcome: 'completed', result: { ok: true }, durationMs: 1 },
      ]);

      expect(await process(fakeJob())).toEqual({ resultTruncated: JSON.stringify(big).length });
      expect(await process(fakeJob())).toEqual({ ok: true });
    });
  });

  describe('attempt trail', () => {
    it('one line per charged try, with outcome, status, duration and bridge id', async () => {
      const { process } = setup([
        { outcome: 'failed', retryable: true, error: { message: 'smtp down', status: 503 }, durationMs: 12 },
        { outcome: 'completed', result: 'ok', durationMs: 7 },
      ]);
      const { job, lines } = trailedJob();
      await process(job).catch(() => {});
      await process(job);
      expect(lines).toEqual([
        { attempt: 1, at: expect.any(String), outcome: 'failed_retryable', status: 503, durationMs: 12, bridgeId: 'bridge-test', error: 'smtp down' },
        { attempt: 1, at: expect.any(String), outcome: 'completed', durationMs: 7, bridgeId: 'bridge-test' },
      ]);
    });

    it('throttled and edge-faulted tries are not attempts: no line', async () => {
      const { process } = setup([{ outcome: 'throttled', retryAfterMs: 100, reason: 'busy' }, new EdgeRequestError('edge answered 502')]);
      const { job, lines } = trailedJob();
      await process(job).catch(() => {});
      await process(job).catch(() => {});
      expect(lines).toEqual([]);
    });

    it('a poison job and a cancel each write one line; a cancel fails the job for good and tells the edge', async () => {
      const { process, cancelledAtEdge } = setup([]);
      const poison = trailedJob();
      poison.job.data = { n: Number.NaN };
      await expect(process(poison.job)).rejects.toBeInstanceOf(UnrecoverableError);
      expect(poison.lines).toEqual([expect.objectContaining({ outcome: 'failed_final', error: expect.stringContaining('cannot be dispatched') })]);

      const cancel = new AbortController();
      cancel.abort(CANCEL_SIGNAL_REASON);
      const cancelled = trailedJob();
      // The dispatch is abandoned the moment the signal fires; whatever it throws, the cancel decides.
      await expect(process(cancelled.job, undefined, cancel.signal)).rejects.toThrow(new UnrecoverableError('cancelled'));
      expect(cancelled.lines).toEqual([expect.objectContaining({ outcome: 'cancelled', error: 'cancelled' })]);
      expect(cancelledAtEdge).toEqual(['7']);
    });
  });
});
