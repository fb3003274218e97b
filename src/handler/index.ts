// Feature-side helper: one `(Request) => Promise<Response>` for POST /internal/process-job.
export { createJobHandler } from './create-job-handler.ts';
export { NonRetryableError, RetryAfterError } from './errors.ts';
export { CallbackRefusedError, completeJob, type CompleteJobOptions } from './complete-job.ts';
export type { CreateJobHandlerOptions, DeferredJob, JobContext, JobHandler, JobHandlers, QueueKeys } from './types.ts';
export { PROTOCOL_VERSIONS, type ProtocolVersions } from '../protocol-versions.ts';
