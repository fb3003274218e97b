// Adds the planned jobs with plain BullMQ, paced evenly over the add window so every fault lands on
// a busy system, and notes what each unique job is expected to do.

import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { sleep } from '../support/wait.ts';
import { expectedEnd, fateOf, type ExpectedEnd, type Fate } from './fates.ts';
import type { JobPlan, QueuePlan, SoakPlan } from './plan.ts';
import { jobKey } from './soak-feature.ts';

const TICK_MS = 250;
const JOB_NAME = 'soak';

export interface ExpectedJob {
  queue: QueuePlan;
  id: string;
  seed: number;
  fate: Fate;
  end: ExpectedEnd;
}

/** Deeper than any job may be nested (MAX_JSON_DEPTH), yet an ordinary BullMQ add. */
const POISON_DEPTH = 80;
const POISON_ID_LENGTH = 300;

const nestedValue = (levels: number): unknown => {
  let value: unknown = 'poison';
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

/**
 * The job as plain BullMQ adds it. A poison job breaks one rule: an id too long when the plan gave
 * it none of its own (a planned custom id may be re-added as a duplicate, which must keep it), else
 * data nested too deep.
 */
const jobFor = (plan: JobPlan): { data: unknown; opts: JobPlan['opts'] } => {
  if (fateOf(plan.seed).kind !== 'poison') return { data: { seed: plan.seed }, opts: plan.opts };
  if (!plan.opts.jobId && plan.seed % 2 === 0) return { data: { seed: plan.seed }, opts: { ...plan.opts, jobId: `poison-${plan.seed}-`.padEnd(POISON_ID_LENGTH, 'x') } };
  return { data: { seed: plan.seed, nested: nestedValue(POISON_DEPTH) }, opts: plan.opts };
};

export class Producer {
  readonly expected = new Map<string, ExpectedJob>();
  added = 0;
  duplicateAdds = 0;
  readonly #plan: SoakPlan;
  readonly #queues: Map<string, Queue>;
  #held?: PromiseWithResolvers<void>;
  #adding: Promise<void> = Promise.resolve();

  constructor(connection: Redis, plan: SoakPlan) {
    this.#plan = plan;
    this.#queues = new Map(plan.queues.map((queue) => [queue.name, new Queue(queue.name, { connection })]));
  }

  /** No further adds until release(); resolves once an add under way has finished. */
  hold(): Promise<void> {
    this.#held ??= Promise.withResolvers<void>();
    return this.#adding;
  }

  release(): void {
    this.#held?.resolve();
    this.#held = undefined;
  }

  async run(startedAt: number, windowMs: number): Promise<void> {
    const total = this.#plan.jobs.length;
    while (this.added < total) {
      await this.#held?.promise;
      const due = Math.min(total, Math.ceil((total * (Date.now() - startedAt)) / windowMs));
      if (due > this.added) {
        this.#adding = this.#add(this.#plan.jobs.slice(this.added, due));
        await this.#adding;
      }
      await sleep(TICK_MS);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
  }

  async #add(plans: JobPlan[]): Promise<void> {
    const byQueue = Map.groupBy(plans, (plan) => plan.queue.name);
    await Promise.all(
      [...byQueue].map(async ([name, queuePlans]) => {
        const jobs = await this.#queues.get(name)!.addBulk(queuePlans.map((plan) => ({ name: JOB_NAME, ...jobFor(plan) })));
        queuePlans.forEach((plan, i) => this.#note(plan, jobs[i].id!));
      }),
    );
    this.added += plans.length;
  }

  #note(plan: JobPlan, id: string): void {
    if (plan.duplicate) {
      this.duplicateAdds++;
      return;
    }
    const fate = fateOf(plan.seed);
    const attempts = plan.opts.attempts || plan.queue.attempts;
    this.expected.set(jobKey(plan.queue.name, id), { queue: plan.queue, id, seed: plan.seed, fate, end: expectedEnd(fate, attempts) });
  }
}
