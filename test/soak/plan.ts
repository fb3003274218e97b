// The soak's queues and jobs, all drawn from one seed: 38 registrations of varied concurrency,
// timeout and retry policy, two rate-limited ones (rate-queues.ts), an async one (async-queues.ts), and jobs with mixed BullMQ options — priority, delay, per-job attempts
// and backoff, custom ids, some of them added twice (the second add must dedup onto the first).

import type { JobsOptions } from 'bullmq';
import type { RateLimit, RegistrationInput } from '../../src/protocol.ts';
import { between, seededRandom, type Random } from './random.ts';
import { ASYNC_JOB_SHARE, planAsyncQueues } from './async-queues.ts';
import { planRateQueues, RATE_JOB_SHARE } from './rate-queues.ts';

const MIN_CONCURRENCY = 1;
const MAX_CONCURRENCY = 20;
// Far above a slow answer (fates.ts), so a busy 2-core machine running every tier does not make
// the edge time out calls the feature answered in time.
const TIMEOUTS_MS = [4_000, 5_000, 6_000, 8_000];
const ATTEMPTS = [2, 3, 3, 4];
const JOB_ATTEMPTS = [1, 2, 4, 5];
/** Small retry delays so retries finish within the run. */
const BACKOFF = { delayMs: 50, maxDelayMs: 1_000, jitter: 0.2 };
const SHARE_PRIORITY = 0.2;
const SHARE_DELAY = 0.1;
const SHARE_ATTEMPTS = 0.2;
const SHARE_BACKOFF = 0.25;
const SHARE_CUSTOM_ID = 0.04;
const SHARE_DUPLICATED = 0.35;
const MAX_PRIORITY = 20;
const DUPLICATE_LAG = 300;

export interface QueuePlan {
  name: string;
  concurrency: number;
  timeoutMs: number;
  attempts: number;
  rateLimit?: RateLimit;
  /** Everything but the endpoint, which is the feature stub's. */
  registration: RegistrationInput;
}

export interface JobPlan {
  queue: QueuePlan;
  seed: number;
  opts: JobsOptions;
  /** A second add of an existing custom id: must return the first job and run nothing new. */
  duplicate: boolean;
}

export interface SoakPlan {
  queues: QueuePlan[];
  /** In the order they are added. */
  jobs: JobPlan[];
}

const planQueues = (random: Random, count: number, tag: string): QueuePlan[] =>
  Array.from({ length: count }, (_, i) => {
    const concurrency = MIN_CONCURRENCY + Math.round((i * (MAX_CONCURRENCY - MIN_CONCURRENCY)) / Math.max(1, count - 1));
    const timeoutMs = TIMEOUTS_MS[i % TIMEOUTS_MS.length];
    const attempts = ATTEMPTS[between(random, 0, ATTEMPTS.length - 1)];
    const type = random() < 0.25 ? 'fixed' : 'exponential';
    return {
      name: `soak-${tag}-${String(i).padStart(2, '0')}`,
      concurrency,
      timeoutMs,
      attempts,
      registration: { concurrency, timeoutMs, retry: { attempts, backoff: { type, ...BACKOFF } } },
    };
  });

/** Busier queues get more jobs, so no single low-concurrency queue is the whole run's tail. */
const queuePicker = (queues: QueuePlan[], random: Random) => {
  const total = queues.reduce((sum, queue) => sum + queue.concurrency, 0);
  return (): QueuePlan => {
    let roll = random() * total;
    return queues.find((queue) => (roll -= queue.concurrency) < 0) ?? queues[queues.length - 1];
  };
};

const jobOptions = (random: Random, index: number, maxDelayMs: number): JobsOptions => {
  const opts: JobsOptions = {};
  if (random() < SHARE_PRIORITY) opts.priority = between(random, 1, MAX_PRIORITY);
  if (random() < SHARE_DELAY) opts.delay = between(random, 100, maxDelayMs);
  if (random() < SHARE_ATTEMPTS) {
    opts.attempts = JOB_ATTEMPTS[between(random, 0, JOB_ATTEMPTS.length - 1)];
    if (random() < SHARE_BACKOFF) opts.backoff = { type: 'fixed', delay: 50 };
  }
  if (random() < SHARE_CUSTOM_ID) opts.jobId = `order-${index}`;
  return opts;
};

export const planSoak = ({ seed, jobs, queues, maxDelayMs }: { seed: number; jobs: number; queues: number; maxDelayMs: number }): SoakPlan => {
  const random = seededRandom(seed);
  const tag = (seed >>> 0).toString(36);
  const plainQueues = planQueues(random, queues, tag);
  const rateQueues = planRateQueues(tag);
  const asyncQueues = planAsyncQueues(tag);
  const pickPlain = queuePicker(plainQueues, random);
  const pickOf = (of: QueuePlan[]) => of[between(random, 0, of.length - 1)];
  // Fixed shares, not by concurrency: the rate, or the callback delay, bounds what these finish.
  const pickQueue = (): QueuePlan => {
    const roll = random();
    if (roll < RATE_JOB_SHARE) return pickOf(rateQueues);
    return roll < RATE_JOB_SHARE + ASYNC_JOB_SHARE ? pickOf(asyncQueues) : pickPlain();
  };
  const duplicatesDue = new Map<number, JobPlan>();
  const plans: JobPlan[] = [];
  for (let index = 0; index < jobs; index++) {
    const due = duplicatesDue.get(index);
    if (due) {
      plans.push(due);
      continue;
    }
    const job: JobPlan = { queue: pickQueue(), seed: between(random, 1, 2 ** 31), opts: jobOptions(random, index, maxDelayMs), duplicate: false };
    plans.push(job);
    if (job.opts.jobId && random() < SHARE_DUPLICATED) {
      let at = index + between(random, 1, DUPLICATE_LAG);
      while (duplicatesDue.has(at)) at++;
      // Another seed: if the add did not dedup, this job would run and end differently.
      if (at < jobs) duplicatesDue.set(at, { ...job, seed: between(random, 1, 2 ** 31), duplicate: true });
    }
  }
  return { queues: [...plainQueues, ...rateQueues, ...asyncQueues], jobs: plans };
};
