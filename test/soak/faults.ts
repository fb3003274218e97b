// The soak's faults, on a schedule keyed to fractions of the add window so it scales with the run.
// Around each kill or restart it notes which jobs it may have interrupted: those active in Redis
// just before and just after, and those the feature was serving or was called for meanwhile. Only
// these may be called more often than their fate needs (an interrupted call is made again).

import { sleep } from '../support/wait.ts';
import type { LimitTimeline } from './limits.ts';
import type { QueuePlan } from './plan.ts';
import type { ResetSpan } from './rate-queues.ts';
import type { SoakServices } from './services.ts';

/** After a kill, long enough for the restarted bridge to take the stalled jobs over (lock 4 s + check). */
const TAKEOVER_MS = 10_000;
const LOWERED_CONCURRENCY = 1;

export interface FaultRecord {
  name: string;
  /** Milliseconds into the run. */
  at: number;
  tookMs: number;
  /** Jobs it may have interrupted. */
  interrupted: number;
}

export interface FaultContext {
  services: SoakServices;
  limits: LimitTimeline;
  queues: QueuePlan[];
  bridgeIds: { main: string; second: string };
  /** Keys of the jobs active in Redis now, across every queue. */
  activeJobs: () => Promise<string[]>;
  /**
   * Holds the producer while Redis is away: an add cut off mid-transaction could be sent again by
   * ioredis and add its jobs twice, which would muddle the count of jobs nobody added.
   */
  gate: { hold(): Promise<void>; release(): void };
}

interface Step {
  at: number;
  name: string;
  run: () => Promise<void>;
}

export class FaultSchedule {
  current = 'none yet';
  readonly records: FaultRecord[] = [];
  readonly interrupted = new Set<string>();
  /** Edge restarts: a coordinator may forget the rate-limited starts since its last flush. */
  readonly coordinatorResets: ResetSpan[] = [];
  readonly #context: FaultContext;
  #startedAt = 0;

  constructor(context: FaultContext) {
    this.#context = context;
  }

  /** Runs every step in order, each no earlier than its share of `windowMs` after `startedAt`. */
  async run(startedAt: number, windowMs: number): Promise<void> {
    this.#startedAt = startedAt;
    for (const step of this.#steps()) {
      const due = startedAt + step.at * windowMs;
      if (Date.now() < due) await sleep(due - Date.now());
      this.current = step.name;
      const began = Date.now();
      const record: FaultRecord = { name: step.name, at: began - startedAt, tookMs: 0, interrupted: 0 };
      this.records.push(record);
      await step.run();
      record.tookMs = Date.now() - began;
      this.current = `after: ${step.name}`;
    }
    this.current = 'schedule done';
  }

  #steps(): Step[] {
    const { services, limits, queues, bridgeIds, gate } = this.#context;
    const { edge } = services;
    const names = queues.map((queue) => queue.name);
    const byConcurrency = [...queues].sort((a, b) => a.concurrency - b.concurrency);
    const busiest = byConcurrency[byConcurrency.length - 1];
    const modest = byConcurrency[Math.floor(byConcurrency.length / 4)];
    const paused = byConcurrency[Math.floor(byConcurrency.length / 2)];
    const setConcurrency = (queue: QueuePlan, concurrency: number) =>
      limits.change(queue.name, concurrency, () => edge.patchRegistration(queue.name, { concurrency }));
    const kill = async () => {
      await this.#interrupting(`kill -9 bridge ${bridgeIds.main}`, () => services.killBridge(bridgeIds.main));
      await services.startBridge(bridgeIds.main, names);
    };
    return [
      { at: 0.08, name: `kill -9 bridge ${bridgeIds.main}, restart it`, run: kill },
      { at: 0.16, name: `bridge ${bridgeIds.second} joins: two bridges`, run: () => services.startBridge(bridgeIds.second, names) },
      {
        at: 0.26,
        name: `concurrency ${busiest.name} ${busiest.concurrency} → ${LOWERED_CONCURRENCY}, ${modest.name} ${modest.concurrency} → ${modest.concurrency * 2}`,
        run: async () => void (await Promise.all([setConcurrency(busiest, LOWERED_CONCURRENCY), setConcurrency(modest, modest.concurrency * 2)])),
      },
      {
        at: 0.38,
        name: `bridge ${bridgeIds.second} leaves (SIGTERM, drains)`,
        // A drain longer than the grace period hands the rest back, and those calls may repeat.
        run: () => this.#interrupting(`SIGTERM bridge ${bridgeIds.second}`, () => services.stopBridge(bridgeIds.second)),
      },
      {
        at: 0.46,
        name: 'Redis restart (SIGTERM, appendonly)',
        run: async () => {
          await gate.hold();
          try {
            await this.#interrupting('Redis restart', () => services.restartRedis());
          } finally {
            gate.release();
          }
        },
      },
      { at: 0.56, name: `pause ${paused.name}`, run: () => limits.change(paused.name, 0, () => edge.patchRegistration(paused.name, { paused: true })) },
      {
        at: 0.62,
        name: `concurrency back: ${busiest.name} → ${busiest.concurrency}, ${modest.name} → ${modest.concurrency}`,
        run: async () => void (await Promise.all([setConcurrency(busiest, busiest.concurrency), setConcurrency(modest, modest.concurrency)])),
      },
      {
        at: 0.68,
        name: `resume ${paused.name}`,
        run: () => limits.change(paused.name, paused.concurrency, () => edge.patchRegistration(paused.name, { paused: false })),
      },
      {
        at: 0.76,
        name: 'edge restart',
        run: async () => {
          const from = Date.now();
          await this.#interrupting('edge stop', () => edge.stop());
          await edge.restart();
          this.coordinatorResets.push({ from, to: Date.now() });
        },
      },
      {
        at: 0.86,
        name: `kill -9 bridge ${bridgeIds.main} twice (stalled jobs stall again)`,
        run: async () => {
          await kill();
          await sleep(TAKEOVER_MS);
          await kill();
        },
      },
    ];
  }

  async #interrupting(name: string, action: () => Promise<void>): Promise<void> {
    const { services, activeJobs } = this.#context;
    const mark = services.feature.mark;
    const began = Date.now();
    const before = await activeJobs();
    await action();
    const after = await activeJobs();
    const jobs = new Set([...before, ...after, ...services.feature.jobsCalledSince(mark)]);
    for (const job of jobs) this.interrupted.add(job);
    this.records.push({ name: `  ${name}`, at: began - this.#startedAt, tookMs: Date.now() - began, interrupted: jobs.size });
  }
}
