// A local OTLP/HTTP collector for tests: takes POST /v1/traces in OTLP JSON (what the bridge's
// exporter sends) and keeps each span's ids, name, kind and service, for assertions on traces.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait.ts';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  service: string;
  attributes: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
}
interface OtlpTraces {
  resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/** OTLP JSON carries ids as hex; protobuf-JSON mappings use base64: accept both. */
const hexId = (id: string | undefined): string => {
  if (!id) return '';
  return /^[0-9a-f]+$/.test(id) && (id.length === 32 || id.length === 16) ? id : Buffer.from(id, 'base64').toString('hex');
};

const attributesOf = (attributes: OtlpAttribute[] = []): Record<string, unknown> =>
  Object.fromEntries(attributes.map(({ key, value }) => [key, value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue]));

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Requests that were not OTLP JSON traces (content type, path or body): a test should see none. */
  readonly rejected: string[] = [];
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const problem = receiver.#take(request.method, request.url, request.headers['content-type'], Buffer.concat(chunks).toString('utf8'));
        if (problem) receiver.rejected.push(problem);
        response.writeHead(problem ? 400 : 200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** What OTEL_EXPORTER_OTLP_ENDPOINT is set to. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The spans of one trace, once `names` have all arrived (a name listed twice, twice). */
  trace(traceId: string, names: string[], timeoutMs = 15_000): Promise<ReceivedSpan[]> {
    return waitFor(
      () => {
        const spans = this.spans.filter((span) => span.traceId === traceId);
        const count = (name: string, among: { name: string }[] | string[]) => among.filter((item) => (typeof item === 'string' ? item : item.name) === name).length;
        return names.every((name) => count(name, spans) >= count(name, names)) ? spans : undefined;
      },
      { timeoutMs, what: `spans ${names.join(', ')} of trace ${traceId}` },
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #take(method: string | undefined, url: string | undefined, contentType: string | undefined, body: string): string | undefined {
    if (method !== 'POST' || url !== '/v1/traces') return `${method} ${url}`;
    if (!contentType?.startsWith('application/json')) return `content type ${contentType}`;
    let traces: OtlpTraces;
    try {
      traces = JSON.parse(body) as OtlpTraces;
    } catch {
      return `not JSON: ${body.slice(0, 100)}`;
    }
    for (const { resource, scopeSpans = [] } of traces.resourceSpans ?? []) {
      const service = String(attributesOf(resource?.attributes)['service.name'] ?? '');
      for (const { spans = [] } of scopeSpans) {
        for (const span of spans) {
          this.spans.push({
            traceId: hexId(span.traceId),
            spanId: hexId(span.spanId),
            parentSpanId: hexId(span.parentSpanId),
            name: span.name,
            kind: span.kind,
            service,
            attributes: attributesOf(span.attributes),
          });
        }
      }
    }
    return undefined;
  }
}
