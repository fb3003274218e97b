// Polling with a deadline, for conditions no event announces (a job's state in Redis, a port).

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the first truthy value `probe` returns; rejects after `timeoutMs`. */
export const waitFor = async <T>(probe: () => T | Promise<T>, { timeoutMs = 15_000, intervalMs = 50, what = 'condition' }: WaitOptions = {}): Promise<NonNullable<T>> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    await sleep(intervalMs);
  }
};
