// The versions of the wire protocol (ARCHITECTURE.md) this code speaks, for whoever installs it:
// each entry of @lilith/queue exports them and its package.json lists them under `queueWorker`.
// A change that breaks a client written against a contract bumps that contract's number.

export const PROTOCOL_VERSIONS = {
  /** POST {endpoint}{path}: `{jobId, queueName, data, attemptsMade}` and the X-Queue-* headers, answered `{success, result | error}`. */
  featureCall: 1,
  /** `X-Queue-Signature: t=<unix>,v1=<hex HMAC-SHA256>` with per-queue keys; the number is the `v1`. */
  signature: 1,
  /** POST /queues/:name/jobs with `Authorization: Bearer <PRODUCER_TOKEN>`: `{name?, data, opts?}` → `{jobId}`. */
  edgeProducer: 1,
  /** The BullMQ major whose Redis layout the Node client writes and the bridge reads. */
  bullmq: 6,
} as const;

export type ProtocolVersions = typeof PROTOCOL_VERSIONS;
