// Running fast-check properties the same way in both test projects: a bounded number of cases in
// `npm test`, more with FUZZ_RUNS (read by the caller: process.env in Node, a binding in workerd),
// and one line per property saying how many cases ran, so a run can be quoted.

import fc from 'fast-check';

/**
 * How many cases a property runs: its default, or FUZZ_RUNS divided by `costRatio` (properties whose
 * every case is a real stack of processes take a share of the cases the in-process ones run).
 */
export const fuzzRuns = (defaultRuns: number, override: string | undefined, costRatio = 1): number => {
  const requested = Number(override);
  if (!override || !Number.isInteger(requested) || requested <= 0) return defaultRuns;
  return Math.max(1, Math.ceil(requested / costRatio));
};

export interface PropertyOptions {
  numRuns: number;
  /** Stop at the first failure without shrinking (for properties whose cases take seconds each). */
  endOnFailure?: boolean;
}

/** Checks `property`, logs `fuzz <name>: N cases …`, and fails the test with fast-check's report (seed, shrunk counterexample). */
export const checkProperty = async <Ts extends [unknown, ...unknown[]]>(name: string, property: fc.IAsyncProperty<Ts>, options: PropertyOptions): Promise<void> => {
  const started = Date.now();
  const details = await fc.check(property, { numRuns: options.numRuns, endOnFailure: options.endOnFailure ?? false });
  const shrinks = details.numShrinks > 0 ? `, ${details.numShrinks} shrinks` : '';
  console.log(`fuzz ${name}: ${details.numRuns} cases${shrinks} in ${Date.now() - started} ms${details.failed ? ' (FAILED)' : ''}`);
  if (!details.failed) return;
  const error = details.errorInstance instanceof Error ? details.errorInstance : new Error(String(details.errorInstance));
  throw new Error(`${fc.defaultReportMessage(details) ?? `property ${name} failed`}\nGot error: ${error.message}`, { cause: error });
};
