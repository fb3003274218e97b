// The reason an operator's cancel aborts a running job's signal with, told apart from a shutdown
// (BullMQ's Worker.cancelJob takes a string reason).

/** The failedReason a cancelled job ends with (not retried). */
export const CANCELLED_REASON = 'cancelled';
/** The abort reason of an operator's cancel; nothing else aborts a job's signal with it. */
export const CANCEL_SIGNAL_REASON = 'queue-worker:cancelled-by-operator';

export const wasCancelled = (signal: AbortSignal | undefined): boolean => signal?.aborted === true && signal.reason === CANCEL_SIGNAL_REASON;
