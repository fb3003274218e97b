// Stops what a test file started, in order, and every part of it even when one step fails (a
// leaked wrangler or redis-server outlives the run); the first failure is rethrown at the end.

export const teardown = async (...steps: (() => unknown)[]): Promise<void> => {
  let failure: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
};
