// Node producer client: `new QueueClient({ connection }).addJob('email', data)`.
// QueueService is the seed's name for it (`import { QueueService } from '@lilith/queue'`), so that code keeps working.
export { QueueClient, QueueClient as QueueService, type BulkJob, type QueueClientOptions } from './queue-client.ts';
export { QueueClientError, type QueueClientErrorCode } from './errors.ts';
export type { RegistrationLike, RegistrationLookup, RegistrationSource } from './registrations.ts';
export type { AddJobOptions, JobBackoff, JobOptions } from '../jobs/job-options.ts';
export { MAX_JOB_DATA_BYTES } from '../jobs/limits.ts';
export { PROTOCOL_VERSIONS, type ProtocolVersions } from '../protocol-versions.ts';
