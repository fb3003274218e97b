// Feature-side helper: one `(Request) => Promise<Response>` for POST /internal/process-job.
export { createJobHandler } from './create-job-handler.js';
export { NonRetryableError, RetryAfterError } from './errors.js';
export type { CreateJobHandlerOptions, JobContext, JobHandler, JobHandlers } from './types.js';
