// The set of queue runners matching the edge's registrations, and their orderly shutdown.

import type { Registration } from '../src/protocol.ts';
import { QueueRunner, type RunnerContext } from './queue-runner.ts';

export class WorkerPool {
  readonly #context: RunnerContext;
  readonly #runners = new Map<string, QueueRunner>();
  /** Runners of removed registrations still finishing their in-flight jobs. */
  readonly #retiring = new Set<QueueRunner>();

  constructor(context: RunnerContext) {
    this.#context = context;
  }

  /** Starts, updates and stops runners so that exactly `registrations` run. Returns at once. */
  reconcile(registrations: Registration[]): void {
    const wanted = new Map(registrations.map((registration) => [registration.name, registration]));
    for (const [name, runner] of this.#runners) {
      if (wanted.has(name)) continue;
      this.#runners.delete(name);
      this.#retiring.add(runner);
      void runner.close('removed').finally(() => this.#retiring.delete(runner));
    }
    for (const registration of registrations) {
      const runner = this.#runners.get(registration.name);
      if (runner) runner.update(registration);
      else this.#runners.set(registration.name, new QueueRunner(registration, this.#context));
    }
  }

  runner(name: string): QueueRunner | undefined {
    return this.#runners.get(name);
  }

  runners(): QueueRunner[] {
    return [...this.#runners.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Closes every runner: no new jobs, in-flight ones finish. After `graceMs` the remaining
   * dispatches are abandoned and their jobs go back to waiting for another bridge.
   */
  async close(graceMs: number): Promise<void> {
    const runners = [...this.#runners.values(), ...this.#retiring];
    this.#runners.clear();
    const timer = setTimeout(() => {
      this.#context.logger.warn('shutdown grace period over; returning in-flight jobs to waiting', { graceMs });
      for (const runner of runners) runner.abortInFlight();
    }, graceMs);
    try {
      await Promise.all(runners.map((runner) => runner.close('shutdown')));
    } finally {
      clearTimeout(timer);
    }
  }
}
