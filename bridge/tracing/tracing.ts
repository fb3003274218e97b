// The bridge's part of a job's trace. Off (no OTEL_* endpoint), it only forwards the trace the job
// carries and costs nothing: the OpenTelemetry SDK is not even loaded (otel.ts is imported lazily).

import type { Job, Telemetry } from 'bullmq';
import { parseTraceparent, startTraceparent, traceparentFromMetadata } from '../../src/tracing/traceparent.ts';
import type { DispatchOutcome } from '../../src/protocol.ts';
import type { OtelConfig } from '../config.ts';

export interface DispatchSpan {
  /** What the edge forwards to the feature as its `traceparent` header. */
  traceparent: string;
  /** Records the edge's answer on the span (a failure as its error status); a no-op when off. */
  answered(outcome: DispatchOutcome): void;
}

export interface DispatchAttributes {
  queueName: string;
  jobId: string;
  /** 1 for the first try. */
  attempt: number;
}

export interface BridgeTracing {
  /** For each BullMQ Worker: BullMQ's own `process` span, a child of the job's trace; undefined when off. */
  readonly telemetry?: Telemetry;
  /** The trace a job's try runs in: BullMQ's `process` span when on, else the job's own (or a new) trace. */
  current(job: Job): string;
  /** Runs `dispatch` in a child span of `traceparent` and hands it the traceparent to forward. */
  dispatch<T>(traceparent: string, attributes: DispatchAttributes, dispatch: (span: DispatchSpan) => Promise<T>): Promise<T>;
  /** Sends what is left and stops; idempotent. */
  close(): Promise<void>;
}

/** The trace a job carries (BullMQ's opts.telemetry), or a new one for a job its producer added without. */
export const jobTraceparent = (job: Job): string => traceparentFromMetadata(job.opts.telemetry?.metadata) ?? startTraceparent();

/** The trace id of the trace a job carries, for log lines about it; undefined when it carries none. */
export const jobTraceId = (job: Job): string | undefined => parseTraceparent(traceparentFromMetadata(job.opts.telemetry?.metadata))?.traceId;

/** Off: the job's traceparent passed on, nothing recorded. */
export const TRACING_OFF: BridgeTracing = {
  current: jobTraceparent,
  dispatch: (traceparent, _attributes, dispatch) => dispatch({ traceparent, answered: () => {} }),
  close: async () => {},
};

export const loadTracing = async (config: OtelConfig | undefined, bridgeId: string): Promise<BridgeTracing> => {
  if (!config) return TRACING_OFF;
  const { startOtelTracing } = await import('./otel.ts');
  return startOtelTracing(config, bridgeId);
};
