// Which spans the bridge records: those in a job's trace. An idle worker's BullMQ housekeeping
// (each blocking fetch that finds nothing, stalled-job checks, hold-offs) would otherwise start a new
// INTERNAL root trace every few seconds per queue, which a collector bills and nobody reads.

import { SpanKind, type Attributes, type Context, type Link } from '@opentelemetry/api';
import { ParentBasedSampler, SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace';

/** A trace may start with a job being added (PRODUCER) or processed (CONSUMER, a job without a trace). */
const STARTS_A_TRACE = new Set<SpanKind>([SpanKind.PRODUCER, SpanKind.CONSUMER]);

const messagingRoots: Sampler = {
  shouldSample: (_context: Context, _traceId: string, _name: string, kind: SpanKind, _attributes: Attributes, _links: Link[]): SamplingResult => ({
    decision: STARTS_A_TRACE.has(kind) ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
  }),
  toString: () => 'MessagingRootSampler',
};

/** Within a trace, the caller's sampling decision (the traceparent's flag); a new trace only from a job. */
export const jobSampler = (): Sampler => new ParentBasedSampler({ root: messagingRoots });
