// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` a job carries from its
// producer to the feature call. Web-standard APIs only, so producers, the edge and features share it.

import { toHex } from '../hex.ts';
import { isPlainObject, parseJsonOrUndefined } from '../json.ts';

/** `version-traceid-parentid-flags`; only version 00 is defined, and it has exactly these four fields. */
const TRACEPARENT_PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZEROS = /^0+$/;
/** A trace we start is sampled: the producer asked for the job, so its trace is worth keeping. */
const SAMPLED = '01';

export const HEADER_TRACEPARENT = 'traceparent';

export interface TraceParent {
  traceId: string;
  /** The caller's span: the parent of whatever span the receiver starts. */
  spanId: string;
  flags: string;
}

/** The parts of a valid version-00 traceparent; undefined for anything else (an all-zero id is invalid). */
export const parseTraceparent = (value: unknown): TraceParent | undefined => {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT_PATTERN.exec(value);
  if (!match || ALL_ZEROS.test(match[1]) || ALL_ZEROS.test(match[2])) return undefined;
  return { traceId: match[1], spanId: match[2], flags: match[3] };
};

export const isTraceparent = (value: unknown): value is string => parseTraceparent(value) !== undefined;

/**
 * Random bytes drawn a pool at a time: a getRandomValues call costs ~25 µs in Node, and the bridge
 * starts a trace for every try of a job its producer sent without one (profiled: ~5 % of its CPU).
 */
const RANDOM_POOL_BYTES = 4096;
let randomPool = new Uint8Array(0);
let randomPoolUsed = 0;

const randomBytes = (count: number): Uint8Array => {
  if (randomPoolUsed + count > randomPool.length) {
    randomPool = crypto.getRandomValues(new Uint8Array(RANDOM_POOL_BYTES));
    randomPoolUsed = 0;
  }
  randomPoolUsed += count;
  return randomPool.subarray(randomPoolUsed - count, randomPoolUsed);
};

const randomHex = (bytes: number): string => {
  const hex = toHex(randomBytes(bytes));
  // An all-zero id is invalid; 2^-64 odds, but a wrong id would silently break the trace.
  return ALL_ZEROS.test(hex) ? randomHex(bytes) : hex;
};

/** A new trace, for a job whose producer sent none. */
export const startTraceparent = (): string => `00-${randomHex(16)}-${randomHex(8)}-${SAMPLED}`;

/**
 * The job carries its trace where BullMQ itself keeps trace context: `opts.telemetry.metadata`
 * (stored as `tm` in the job's opts), in the carrier format BullMQ's OpenTelemetry adapter
 * (bullmq-otel) writes and reads: the JSON of a W3C propagation carrier.
 */
export const traceMetadata = (traceparent: string): string => JSON.stringify({ [HEADER_TRACEPARENT]: traceparent });

/** The traceparent in a job's `opts.telemetry.metadata`; undefined when there is none or it is not valid. */
export const traceparentFromMetadata = (metadata: unknown): string | undefined => {
  if (typeof metadata !== 'string') return undefined;
  const carrier = parseJsonOrUndefined(metadata);
  const value = isPlainObject(carrier) ? carrier[HEADER_TRACEPARENT] : undefined;
  return isTraceparent(value) ? value : undefined;
};
