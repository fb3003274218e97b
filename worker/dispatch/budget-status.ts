// A queue's use of the edge's dispatch budget, for /internal/status, from figures its coordinator
// already has: every dispatch an isolate admits is, until it leaves the budget, either in the
// coordinator's line or holding one of its slots. So no isolate reports its holdings anywhere.

export interface BudgetStatus {
  /** The budget of each edge isolate (ISOLATE_DISPATCH_BUDGET), shared fairly by its busy queues. */
  perIsolate: number;
  /** Dispatches of this queue the edge holds now: calls in flight plus the line for a slot. */
  held: number;
  /** Why the registered concurrency cannot be reached in one isolate, or null when it can. */
  capped: string | null;
}

export const budgetStatus = ({ inFlight, waiting, limit }: { inFlight: number; waiting: number; limit: number }, perIsolate: number): BudgetStatus => ({
  perIsolate,
  held: inFlight + waiting,
  capped:
    limit > perIsolate
      ? `concurrency ${limit} is above the edge's dispatch budget of ${perIsolate} per isolate (ISOLATE_DISPATCH_BUDGET): one isolate runs at most ${perIsolate} of this queue's calls at once`
      : null,
});
