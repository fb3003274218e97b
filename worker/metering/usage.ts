// The billable units one part of the edge has used, counted where they happen (Cloudflare bills
// these, BENCHMARKS.md prices them): requests, SQLite rows from the cursors' own counters, KV
// operations, and the wall time a Durable Object is awake (handling a call or holding a timer).

export interface Usage {
  /** Worker invocations (only the Worker's meter counts them). */
  workerRequests: number;
  /** Calls to a Durable Object: every RPC method call is one billed request. */
  doRequests: number;
  /** Alarm invocations, billed like requests. */
  alarms: number;
  rowsRead: number;
  rowsWritten: number;
  kvReads: number;
  kvWrites: number;
  kvDeletes: number;
  kvLists: number;
  /** Wall time a Durable Object was awake: a call running, or a timer of ours pending. */
  activeMs: number;
}

export const emptyUsage = (): Usage => ({
  workerRequests: 0,
  doRequests: 0,
  alarms: 0,
  rowsRead: 0,
  rowsWritten: 0,
  kvReads: 0,
  kvWrites: 0,
  kvDeletes: 0,
  kvLists: 0,
  activeMs: 0,
});

export const addUsage = (a: Usage, b: Partial<Usage>): Usage => {
  const sum = { ...a };
  for (const key of Object.keys(sum) as (keyof Usage)[]) sum[key] += b[key] ?? 0;
  return sum;
};

export class UsageMeter {
  #usage = emptyUsage();
  /** Calls and timers holding the object awake now, and since when. */
  #awake = 0;
  #awakeSince = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  add(units: Partial<Usage>): void {
    this.#usage = addUsage(this.#usage, units);
  }

  /** Marks the object awake until the returned function is called (once). */
  hold(): () => void {
    if (this.#awake++ === 0) this.#awakeSince = this.#now();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.#awake === 0) this.#usage.activeMs += this.#now() - this.#awakeSince;
    };
  }

  /** Runs one billed call: counted as a request (or an alarm) and awake while it runs. */
  async call<T>(work: () => Promise<T> | T, kind: 'request' | 'alarm' = 'request'): Promise<T> {
    this.add(kind === 'alarm' ? { alarms: 1 } : { doRequests: 1 });
    const release = this.hold();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Everything so far, the awake time running now included. */
  snapshot(): Usage {
    const usage = { ...this.#usage };
    if (this.#awake > 0) usage.activeMs += this.#now() - this.#awakeSince;
    return usage;
  }
}
