// Producer for Workers: `new EdgeQueueClient({ url, token }).addJob('email', data)` through the edge.
export { EdgeQueueClient, EdgeQueueError, type EdgeQueueClientOptions, type FetchFunction } from './edge-queue-client.ts';
export type { AddJobOptions, JobBackoff, JobOptions } from '../jobs/job-options.ts';
export { PROTOCOL_VERSIONS, type ProtocolVersions } from '../protocol-versions.ts';
