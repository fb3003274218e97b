// What a started trace looks like where a job keeps it: a sampled version-00 traceparent, and
// BullMQ's opts.telemetry.metadata carrying one.

export const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;
export const TRACE_METADATA = /^\{"traceparent":"00-[0-9a-f]{32}-[0-9a-f]{16}-01"\}$/;
