// The outcome → BullMQ mapping in isolation, with a scripted edge: what is thrown, what is held off.

import { RateLimitError, UnrecoverableError, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { EdgeRequestError } from '../../bridge/edge-client.ts';
import { createLogger } from '../../bridge/logger.ts';
import { createProcessor, FaultBackoff, JobAttemptError } from '../../bridge/processor.ts';
import type { DispatchOutcome, DispatchRequest, Registration } from '../../src/protocol.ts';

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

const setup = (answers: EdgeAnswer[], { shutdown = new AbortController() } = {}) => {
  const holdOffs: number[] = [];
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
    logger: createLogger({ level: 'silent', format: 'json' }),
  });
  return { process, holdOffs, dispatched };
};

const fakeJob = (opts: Partial<Job['opts']> = {}): Job => ({ id: '7', name: 'welcome', data: { to: 'ada' }, attemptsMade: 0, opts: { attempts: 0, ...opts } }) as Job;

describe('createProcessor', () => {
  it('completed: returns the result; the dispatch carries the seed fields', async () => {
    const { process, dispatched } = setup([{ outcome: 'completed', result: { id: 'm-1' }, durationMs: 5 }]);

    expect(await process(fakeJob())).toEqual({ id: 'm-1' });
    expect(dispatched).toEqual([{ jobId: '7', queueName: 'email', data: { to: 'ada' }, attemptsMade: 0, name: 'welcome' }]);
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
});
