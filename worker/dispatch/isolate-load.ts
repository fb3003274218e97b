// How many jobs this isolate dispatches at once, shared fairly between queues (fair-share.ts).
// Past its budget a new dispatch is answered `throttled` (reason `budget`, no attempt charged)
// instead of joining the backlog: an isolate with hundreds of *fast* calls open reads answers so
// late that their timeouts fire on calls the feature had answered in time (seen in the soak: 400
// open calls, 4 s timeouts, answers sent in milliseconds).
//
// The default, 256, is twice the 128 that first stopped that: a slow call costs the isolate
// nothing while it waits, and a budget below a queue's registered concurrency makes that
// concurrency unreachable (a queue registered for 200 must be able to run 200 while small queues
// still get theirs). The soak at CI size (38 queues, ~400 concurrency, every fault) passes with
// it. ISOLATE_DISPATCH_BUDGET sets it per deployment; it bounds open calls, not CPU, so a burst of
// hundreds of calls ending at once still delays one local isolate (BENCHMARKS.md).

import type { DispatchOutcome, ThrottledOutcome } from '../../src/protocol.ts';
import { FieldChecker } from '../../src/registration.ts';
import { ApiError } from '../errors.ts';
import { FairShareBudget } from './fair-share.ts';

export const DEFAULT_ISOLATE_DISPATCH_BUDGET = 256;
const BUDGET_RANGE = { min: 1, max: 100_000 };

/** How long a dispatch that reached the feature took, for the budget's estimate of when room comes back. */
export const featureDuration = (outcome: DispatchOutcome | undefined): number | undefined =>
  outcome !== undefined && 'durationMs' in outcome ? outcome.durationMs : undefined;

/** The answer to a dispatch of `queue` refused for the budget. */
export const budgetThrottled = (budget: FairShareBudget, queue: string): ThrottledOutcome => ({
  outcome: 'throttled',
  retryAfterMs: budget.retryAfterMs(queue),
  reason: 'budget',
});

export interface BudgetVars {
  ISOLATE_DISPATCH_BUDGET?: string;
}

/** The budget per isolate from ISOLATE_DISPATCH_BUDGET; a bad value is a 503 naming the var. */
export const isolateBudgetSize = ({ ISOLATE_DISPATCH_BUDGET: raw }: BudgetVars): number => {
  if (raw === undefined || raw.trim() === '') return DEFAULT_ISOLATE_DISPATCH_BUDGET;
  const check = new FieldChecker();
  const size = check.integer(/^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN, 'ISOLATE_DISPATCH_BUDGET', BUDGET_RANGE);
  if (size === undefined) {
    const [error] = check.errors;
    throw new ApiError(503, 'not_configured', `the edge's vars are invalid: ${error.field} ${error.message}`, { details: check.errors });
  }
  return size;
};

let budget: FairShareBudget | undefined;

/** This isolate's budget; its size is read once, as vars only change with a new isolate. */
export const isolateBudget = (vars: BudgetVars): FairShareBudget => {
  budget ??= new FairShareBudget(isolateBudgetSize(vars));
  return budget;
};
