// Hostile input for the fuzz properties, near the real shapes so the fuzz gets past the first check:
// ids (NUL, CR/LF, unicode, 300 characters, BullMQ's own key names), JSON values with holes for raw
// text JSON.parse alone cannot express faithfully (1e400, 20-digit integers, 30,000-level nesting),
// whole bodies (valid-ish JSON, garbage, invalid UTF-8) and header variants. Web-standard only:
// used inside workerd and in Node.

import fc from 'fast-check';

/** BullMQ's own key names (ARCHITECTURE "Poison jobs"): a job id equal to one breaks its queue. */
export const BULLMQ_KEY_NAMES = [
  'wait', 'active', 'paused', 'delayed', 'prioritized', 'completed', 'failed', 'stalled', 'stalled-check',
  'waiting-children', 'id', 'meta', 'events', 'repeat', 'limiter', 'metrics', 'marker', 'pc', 'de',
] as const;

/** Names a JS object lookup can trip over. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

/** Numbers JSON text can hold that no double carries exactly. */
export const INEXACT_NUMBERS = ['1e400', '-1e400', '12345678901234567890', `1${'0'.repeat(400)}`, '1e-400', '9007199254740993', '0.1000000000000000055511151231257827'];

/** Raw JSON text spliced verbatim into a generated body. */
export class RawJson {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** JSON text of `value`, with every RawJson leaf written as is. */
export const jsonText = (value: unknown): string => {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
};

/** `depth` levels of arrays or objects around a leaf, as text (JSON.stringify would overflow first). */
export const nestedText = (depth: number, kind: 'array' | 'object'): RawJson =>
  new RawJson(kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

/** Past the 64 levels ARCHITECTURE allows; shrinks towards the shallowest depth that still fails. */
export const deepNesting = (maxDepth = 40_000): fc.Arbitrary<RawJson> =>
  fc
    .tuple(fc.oneof(fc.integer({ min: 65, max: 6_000 }), fc.integer({ min: 6_000, max: maxDepth })), fc.constantFrom('array' as const, 'object' as const))
    .map(([depth, kind]) => nestedText(depth, kind));

export const inexactNumber: fc.Arbitrary<RawJson> = fc.constantFrom(...INEXACT_NUMBERS).map((text) => new RawJson(text));

/** Strings with the characters that break headers, keys and logs. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', 'line\r\nX-Injected: 1', '\n', '\r', '../..', '/../../admin', '%00', '%2F', '\u2028', '\uFEFF', '\uD800', 'é', '😀', '𝔘𝔫𝔦'),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\r', '\n', '\t', 'a', 'é', '😀', ':', '{', '"', '\\'), maxLength: 12 }),
);

/** Job ids (and bridge ids) a producer or attacker might send. */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...BULLMQ_KEY_NAMES),
  fc.constantFrom(...PROTOTYPE_NAMES),
  fc.constantFrom('a'.repeat(256), 'a'.repeat(257), 'a'.repeat(300), '12', '0', '-1', 'job:1', 'job\u0000x', 'job\r\nx', 'job\nx', ' job', 'job '),
  hostileString,
);

/** A size in bytes, mostly small, sometimes at the limits that matter. */
const bigString = (maxBytes: number): fc.Arbitrary<string> =>
  fc.constantFrom(1_024, 64 * 1024, 510 * 1024, 512 * 1024 + 1).filter((n) => n <= maxBytes).map((n) => 'x'.repeat(n));

/** Any JSON value, now and then one JSON.parse cannot carry or the tiers cannot hold. */
export const hostileJson = (maxStringBytes = 600 * 1024): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 6 },
    { arbitrary: hostileString, weight: 2 },
    { arbitrary: inexactNumber, weight: 2 },
    { arbitrary: deepNesting(), weight: 1 },
    { arbitrary: bigString(maxStringBytes), weight: 1 },
    { arbitrary: fc.constantFrom(-1, 0, 1.5, -0, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e21), weight: 2 },
  );

/** A field value: usually one of `good`, otherwise anything hostile. */
export const field = <T>(good: fc.Arbitrary<T>, maxStringBytes?: number): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: hostileJson(maxStringBytes), weight: 1 });

/** Extra keys a shape does not know, including prototype names. */
export const extraKeys: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.string({ maxLength: 8 })), fc.jsonValue({ maxDepth: 1 }), {
  maxKeys: 2,
});

const ABSENT = Symbol('absent');

/** A record whose every key is there nine times in ten, plus now and then extra keys. */
export const shape = (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(
      fc.record(Object.fromEntries(Object.entries(fields).map(([key, arb]) => [key, fc.option(arb, { freq: 10, nil: ABSENT })]))),
      fc.option(extraKeys, { freq: 4, nil: undefined }),
    )
    .map(([record, extra]) => ({ ...extra, ...Object.fromEntries(Object.entries(record).filter(([, value]) => value !== ABSENT)) }));

/** What goes on the wire: text, or bytes when the fuzz wants invalid UTF-8. */
export type Body = string | Uint8Array<ArrayBuffer>;

/** `text` with every long run of a repeated unit written once with its count, so a counterexample stays readable. */
export const abbreviate = (text: string): string => text.replace(/([\s\S]{1,6}?)\1{7,}/g, (run, unit: string) => `‹${unit}×${run.length / unit.length}›`);

/** A body as fast-check reports it: abbreviated, bytes in hex. */
export class WireBody {
  readonly wire: Body;

  constructor(wire: Body) {
    this.wire = wire;
  }

  [fc.toStringMethod](): string {
    return typeof this.wire === 'string' ? JSON.stringify(abbreviate(this.wire)) : `bytes(${Array.from(this.wire, (b) => b.toString(16).padStart(2, '0')).join(' ')})`;
  }
}

const INVALID_UTF8: Uint8Array<ArrayBuffer>[] = [
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"a":"<ff fe>"}
  new Uint8Array([0x7b, 0x22, 0x64, 0x61, 0x74, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // {"data":"<c3 28>"}
  new Uint8Array([0xed, 0xa0, 0x80]), // an encoded lone surrogate
  new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // a BOM before {}
];

/** Bodies that are not the shape at all: garbage text, bytes, truncated JSON, JSON of another type. */
export const garbageBody: fc.Arbitrary<Body> = fc.oneof(
  fc.constantFrom('', ' ', '{', '}', '[]', 'null', '42', '"hello"', 'true', '{"a":1', '{"a":1}}', '\u0000', 'NaN', '{"a":NaN}', '{"a":Infinity}', '{"a":1,}'),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => new Uint8Array(bytes)),
  fc.constantFrom(...INVALID_UTF8),
);

/** A body near `shape`: the shape as JSON, once in a while truncated, wrapped in an array or replaced by garbage. */
export const bodyNear = (shapeArb: fc.Arbitrary<unknown>): fc.Arbitrary<WireBody> =>
  fc
    .oneof(
      { arbitrary: shapeArb.map(jsonText), weight: 8 },
      { arbitrary: shapeArb.map((value) => `[${jsonText(value)}]`), weight: 1 },
      { arbitrary: fc.tuple(shapeArb.map(jsonText), fc.nat()).map(([text, cut]) => text.slice(0, cut % Math.max(1, text.length))), weight: 1 },
      { arbitrary: garbageBody, weight: 2 },
    )
    .map((wire) => new WireBody(wire));

/** The text a UTF-8 decoder that does not throw makes of `body` (what a signer over the received text signs). */
export const bodyText = (body: Body): string => (typeof body === 'string' ? body : new TextDecoder().decode(body));

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 6 },
  {
    arbitrary: fc.constantFrom(undefined, 'application/json; charset=utf-8', 'application/vnd.api+json', 'APPLICATION/JSON', 'text/plain', '', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/x-www-form-urlencoded', 'json'),
    weight: 3,
  },
);

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const method: fc.Arbitrary<string> = fc.constantFrom(...METHODS);

/** A value some HTTP stack will let through as a header (no CR, LF or NUL; Latin-1). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 40 }),
  fc.constantFrom('', ' ', 'é', '\t', 'x'.repeat(8_000)),
);

/** `text` percent-encoded for a URL path (a lone surrogate, which no URL can carry, as U+FFFD). */
export const encodePathSegment = (text: string): string => encodeURIComponent(text.toWellFormed());

/** A path segment as it appears in a URL: hostile ids percent-encoded, or raw text (which may be malformed). */
export const pathSegment = (good: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: good, weight: 4 },
    { arbitrary: hostileId.map(encodePathSegment), weight: 3 },
    { arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '.', '%2e%2e', 'a%2Fb', 'a%00b', '', 'A', 'a'.repeat(64), 'a'.repeat(300)), weight: 2 },
  );

/** A `v1=` value of the right shape that no key made. */
const BOGUS_V1 = `v1=${'ab'.repeat(32)}`;

/** The ways a correct signature header can carry more `v1=` values than its own. */
export type ExtraV1 = 'valid-twice' | 'valid-and-one-bogus' | 'valid-and-many-bogus';

/** `header` (a correct `t=…,v1=…`) with its v1 repeated, one bogus v1 added, or `bogusCount` of them. */
export const withExtraV1 = (header: string, kind: ExtraV1, bogusCount: number): string => {
  switch (kind) {
    case 'valid-twice':
      return `${header},${header.split(',')[1]}`;
    case 'valid-and-one-bogus':
      return `${header},${BOGUS_V1}`;
    case 'valid-and-many-bogus':
      return `${header}${`,${BOGUS_V1}`.repeat(bogusCount)}`;
  }
};
