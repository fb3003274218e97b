// The bridge's HTTP surface (bridge/http-app.ts on PORT) under raw requests written to a socket, so
// nothing in a client library tidies them first: random methods, targets, headers and bodies,
// lying or duplicated Content-Length, chunked garbage. Properties: never a 5xx, never a crash (the
// bridge still answers /health after every case). The edge is unreachable on purpose: health is
// served from the bridge's own state and must not care. And GET /ops/alerts under any method, query,
// credential and extra headers: its overview to either ops token, a JSON 401 to anything else.

import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { AlertsOverviewSchema } from '../../src/ops-protocol.ts';
import type { ErrorBody } from '../../src/protocol.ts';
import { OPS_ENV, OPS_READ_TOKEN, OPS_TOKEN } from '../support/ops.ts';
import { checkProperty, fuzzRuns } from '../support/fuzz.ts';
import { abbreviate, encodePathSegment, headerValue, hostileString, METHODS } from '../support/fuzz-arbitraries.ts';
import { freePort } from '../../scripts/free-port.ts';
import { RedisServer } from '../support/redis.ts';
import { teardown } from '../support/teardown.ts';

const RUNS = fuzzRuns(300, process.env.FUZZ_RUNS);
const ALERTS_RUNS = fuzzRuns(150, process.env.FUZZ_RUNS);
const ANSWER_DEADLINE_MS = 5_000;

let redis: RedisServer;
let bridge: Bridge;
let port = 0;

beforeAll(async () => {
  redis = await RedisServer.start();
  // With the ops tokens set, /ops answers by auth (401/403), as in production, not 503 not_configured.
  bridge = await startBridge(bridgeEnv(`http://127.0.0.1:${await freePort()}`, redis.port, OPS_ENV));
  port = Number(new URL(bridge.url).port);
});

afterAll(() =>
  teardown(
    () => bridge?.close(),
    () => redis?.close(),
  ),
);

/** Writes `request` as is, half-closes, and returns the status code the server answered (undefined if it closed without one). */
const rawExchange = (request: Buffer): Promise<{ status?: number; head: string }> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${ANSWER_DEADLINE_MS} ms`));
    }, ANSWER_DEADLINE_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {}); // a reset after a refusal is an answer too; the status line decides
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : undefined, head: text.split('\r\n\r\n')[0] });
    });
    socket.end(request);
  });

const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_!#$%&*+.^`|~'), minLength: 1, maxLength: 12 });

const method = fc.oneof({ arbitrary: fc.constantFrom(...METHODS), weight: 4 }, { arbitrary: fc.constantFrom('get', 'PROPFIND', 'M-SEARCH', 'CONNECT', 'TRACE', 'BREW'), weight: 1 }, { arbitrary: token, weight: 1 });

const target = fc.oneof(
  { arbitrary: fc.constantFrom('/health', '/internal/status', '/metrics', '/ops/queues', '/ops/alerts', '/ui', '/'), weight: 4 },
  { arbitrary: fc.constantFrom('/ui/login', '/ui/logout', '/ui/queues', '/ui/queues/q/pause', '/ui/api/queues', '/ui/api/queues/q/pause', '/ui/static/%2e%2e/%2e%2e/package.json'), weight: 2 },
  { arbitrary: fc.constantFrom('*', 'http://127.0.0.1/health', '/health?x=%zz', '//health', '/%', '/..%2f..%2fetc', '/health/', '/internal/status?queue=%00', '/ops/alerts/', '/ops/alerts?limit=%zz', '/ops//alerts', `/${'a'.repeat(9000)}`), weight: 2 },
  { arbitrary: fc.webPath(), weight: 1 },
  { arbitrary: hostileString.map((s) => `/${encodePathSegment(s)}`), weight: 1 },
);

/** Authorization values: both ops tokens (so the fuzz gets past the check), near misses, other schemes. */
const authorization = fc.constantFrom(`Bearer ${OPS_READ_TOKEN}`, `Bearer ${OPS_TOKEN}`, `bearer   ${OPS_READ_TOKEN}  `, `Bearer ${OPS_READ_TOKEN}x`, `Bearer ${OPS_TOKEN} extra`, `Basic ${OPS_TOKEN}`, 'Bearer', '');
/** What the bridge takes as a token: ARCHITECTURE's `Bearer <token>`, the scheme in any case. */
const isOpsToken = (value: string | undefined): boolean => [OPS_READ_TOKEN, OPS_TOKEN].includes(value?.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? '');

const header = fc.oneof(
  fc.tuple(token, headerValue),
  fc.tuple(fc.constant('Authorization'), authorization),
  fc.tuple(fc.constantFrom('Content-Type', 'Accept', 'Authorization', 'Transfer-Encoding', 'Expect', 'Connection', 'Upgrade', 'Host'), fc.oneof(headerValue, fc.constantFrom('chunked', '100-continue', 'websocket', 'Bearer x', 'application/json'))),
);

/** How the body's length is declared: truthfully, lying either way, twice, chunked, or not at all. */
const framing = fc.constantFrom('length', 'short', 'long', 'twice', 'chunked', 'none', 'negative');

const requestOf = (verb: string, path: string, headers: [string, string][], framed: string, body: Uint8Array): Buffer => {
  const lines = [`${verb} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...headers.filter(([name]) => !/^(host|content-length|transfer-encoding)$/i.test(name)).map(([n, v]) => `${n}: ${v}`)];
  let payload = Buffer.from(body);
  if (framed === 'length') lines.push(`Content-Length: ${body.length}`);
  if (framed === 'short') lines.push(`Content-Length: ${Math.max(0, body.length - 1)}`);
  if (framed === 'long') lines.push(`Content-Length: ${body.length + 10}`);
  if (framed === 'twice') lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
  if (framed === 'negative') lines.push('Content-Length: -1');
  if (framed === 'chunked') {
    lines.push('Transfer-Encoding: chunked');
    payload = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), payload, Buffer.from('\r\nzz\r\n')]);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
};

describe('bridge HTTP', () => {
  it('never answers 5xx and never crashes, whatever arrives on the socket', async () => {
    await checkProperty(
      'bridge HTTP (raw method, target, headers, framing, body)',
      fc.asyncProperty(method, target, fc.array(header, { maxLength: 4 }), framing, fc.uint8Array({ maxLength: 2_048 }), async (verb, path, headers, framed, body) => {
        const { status, head } = await rawExchange(requestOf(verb, path, headers, framed, body));
        if (status !== undefined) expect(status, abbreviate(head).slice(0, 300)).toBeLessThan(500);
        const health = await fetch(`${bridge.url}/health`);
        expect(health.status, 'the bridge still serves /health').toBe(200);
        expect(await health.json()).toMatchObject({ bridgeId: bridge.config.bridgeId });
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it('GET /ops/alerts answers its overview to either ops token and a JSON 401 to anything else', async () => {
    const extraHeaders = fc.array(fc.tuple(token.filter((name) => !/^(authorization|content-length|transfer-encoding|host|connection|expect|upgrade)$/i.test(name)), headerValue), { maxLength: 3 });
    const query = fc.constantFrom('', '?limit=-1', '?x=%zz', '?limit=1000000', `?token=${OPS_TOKEN}`);
    await checkProperty(
      'bridge GET /ops/alerts (query, authorization, extra headers)',
      fc.asyncProperty(query, fc.option(authorization, { nil: undefined }), extraHeaders, async (search, auth, extra) => {
        const headers = new Headers();
        for (const [name, value] of extra) headers.append(name, value);
        if (auth !== undefined) headers.set('Authorization', auth);
        const response = await fetch(`${bridge.url}/ops/alerts${search}`, { headers });
        const body: unknown = await response.json();
        const summary = `${auth} ${search} → ${response.status}: ${JSON.stringify(body).slice(0, 300)}`;
        if (isOpsToken(auth)) {
          expect(response.status, summary).toBe(200);
          expect(AlertsOverviewSchema.safeParse(body).success, summary).toBe(true);
        } else {
          expect(response.status, summary).toBe(401);
          expect((body as ErrorBody).error, summary).toMatchObject({ code: 'unauthorized', message: expect.any(String) });
        }
      }),
      { numRuns: ALERTS_RUNS },
    );
  }, 120_000);
});
