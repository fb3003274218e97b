// Each queue's concurrency limit over time, as the soak changes it, for judging the calls the
// feature stub sees. A change applies at the edge somewhere between the PATCH being sent and its
// answer, so in that span the higher of the two limits is allowed; a pause is a limit of 0. A call
// the edge granted just before a change reaches the stub a moment later, hence the slack.

export const ARRIVAL_SLACK_MS = 500;

interface Change {
  requestedAt: number;
  returnedAt: number;
  from: number;
  to: number;
}

export class LimitTimeline {
  readonly #initial = new Map<string, number>();
  readonly #changes = new Map<string, Change[]>();

  constructor(limits: Iterable<[string, number]>) {
    for (const [queue, limit] of limits) this.#initial.set(queue, limit);
  }

  has(queue: string): boolean {
    return this.#initial.has(queue);
  }

  /** The limit now (the last change's target). */
  #current(queue: string): number {
    return this.#changes.get(queue)?.at(-1)?.to ?? this.#initial.get(queue) ?? 0;
  }

  /** Runs `apply` (the PATCH) and records the change around it. */
  async change(queue: string, to: number, apply: () => Promise<unknown>): Promise<void> {
    const from = this.#current(queue);
    const requestedAt = Date.now();
    await apply();
    const list = this.#changes.get(queue) ?? [];
    list.push({ requestedAt, returnedAt: Date.now(), from, to });
    this.#changes.set(queue, list);
  }

  /** The most calls that may be in flight at `queue`'s feature when one arrives at `at`. */
  allowedAt(queue: string, at: number): number {
    const changes = this.#changes.get(queue) ?? [];
    const since = at - ARRIVAL_SLACK_MS;
    let allowed = this.#limitAt(queue, since, changes);
    for (const change of changes) {
      if (change.returnedAt < since || change.requestedAt > at) continue;
      allowed = Math.max(allowed, change.from, change.to);
    }
    return Math.max(allowed, this.#limitAt(queue, at, changes));
  }

  /** "3 → 1 → 3", for the report. */
  describe(queue: string): string {
    return [this.#initial.get(queue) ?? 0, ...(this.#changes.get(queue) ?? []).map((change) => change.to)].map((limit) => (limit === 0 ? 'paused' : String(limit))).join(' → ');
  }

  #limitAt(queue: string, at: number, changes: Change[]): number {
    let limit = this.#initial.get(queue) ?? 0;
    for (const change of changes) {
      if (at < change.requestedAt) break;
      limit = at < change.returnedAt ? Math.max(change.from, change.to) : change.to;
    }
    return limit;
  }
}
