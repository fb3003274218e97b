// Runs a task every `intervalMs`, measured from the end of the previous run, so slow runs never
// overlap or pile up.

export class Periodic {
  readonly #task: () => Promise<void>;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #timer?: NodeJS.Timeout;
  #running?: Promise<void>;
  #stopped = false;

  constructor(task: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void) {
    this.#task = task;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  /** Runs the task once now, then keeps running it; resolves after that first run. */
  start(): Promise<void> {
    return this.#run();
  }

  /** No further runs; resolves once a run in progress has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #run(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#running = this.#task()
      .catch((error: unknown) => this.#onError(error))
      .finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#timer = setTimeout(() => void this.#run(), this.#intervalMs);
      });
    return this.#running;
  }
}
