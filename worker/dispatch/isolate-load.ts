// How many jobs this isolate is dispatching right now. Past the cap a new dispatch is answered
// `throttled` (no attempt charged) instead of joining the backlog: an isolate with hundreds of
// calls open reads answers so late that their timeouts fire on calls the feature had answered in
// time (seen in the soak: 400 open calls, 4 s timeouts, answers sent in milliseconds).

export const MAX_ISOLATE_DISPATCHES = 128;
/** What an overloaded isolate tells the bridge to wait. */
export const OVERLOADED_RETRY_AFTER_MS = 1_000;

let inFlight = 0;

/** Reserves room for `count` jobs, or returns false when the isolate is full. */
export const enterDispatches = (count: number): boolean => {
  if (inFlight + count > MAX_ISOLATE_DISPATCHES) return false;
  inFlight += count;
  return true;
};

export const leaveDispatches = (count: number): void => {
  inFlight -= count;
};
