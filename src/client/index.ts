// Node producer client: `new QueueClient({ connection }).addJob('email', data)`.
export { QueueClient, type BulkJob, type QueueClientOptions } from './queue-client.js';
export { QueueClientError, type QueueClientErrorCode } from './errors.js';
export type { RegistrationLike, RegistrationLookup, RegistrationSource } from './registrations.js';
export type { AddJobOptions, JobBackoff, JobOptions } from '../jobs/job-options.js';
export { MAX_JOB_DATA_BYTES } from '../jobs/limits.js';
