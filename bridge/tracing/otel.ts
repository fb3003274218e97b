// OpenTelemetry for the bridge, loaded only when an OTLP endpoint is configured. Spans go to an
// OTLP/HTTP (JSON) collector in batches; BullMQ's own spans come from bullmq-otel, and each feature
// call gets a `dispatch` CLIENT span whose context the edge forwards as the feature's traceparent.

import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { BullMQOtel } from 'bullmq-otel';
import { isTraceparent } from '../../src/tracing/traceparent.ts';
import { jobSampler } from './job-sampler.ts';
import { jobTraceparent, type BridgeTracing } from './tracing.ts';
import type { OtelConfig } from '../config.ts';

const TRACER_NAME = 'queue-worker-bridge';

export const startOtelTracing = ({ tracesUrl, serviceName, scheduleDelayMs }: OtelConfig, bridgeId: string): BridgeTracing => {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.instance.id': bridgeId }),
    sampler: jobSampler(),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl }), scheduledDelayMillis: scheduleDelayMs })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  // Global, because bullmq-otel reaches the SDK through the global API; undone in close().
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const tracer = provider.getTracer(TRACER_NAME);
  let closing: Promise<void> | undefined;

  return {
    telemetry: new BullMQOtel({ tracerName: TRACER_NAME }),
    current: (job) => {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return isTraceparent(carrier.traceparent) ? carrier.traceparent : jobTraceparent(job);
    },
    dispatch: (traceparent, { queueName, jobId, attempt }, dispatch) => {
      const parent = propagation.extract(ROOT_CONTEXT, { traceparent });
      const attributes = { 'messaging.system': 'bullmq', 'messaging.destination.name': queueName, 'messaging.message.id': jobId, 'queue_worker.attempt': attempt };
      return tracer.startActiveSpan(`dispatch ${queueName}`, { kind: SpanKind.CLIENT, attributes }, parent, async (span) => {
        const carrier: Record<string, string> = {};
        propagation.inject(context.active(), carrier);
        try {
          return await dispatch({
            traceparent: carrier.traceparent ?? traceparent,
            answered: (outcome) => {
              span.setAttribute('queue_worker.outcome', outcome.outcome);
              if (outcome.outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
            },
          });
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
          throw error;
        } finally {
          span.end();
        }
      });
    },
    close: () => {
      closing ??= provider.shutdown().finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
      });
      return closing;
    },
  };
};
