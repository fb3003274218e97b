// The bridge's HTTP client against a scripted stand-in edge: signatures, keep-alive, and every
// answer that is not the contract's becoming an EdgeRequestError reported as the edge being down.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EdgeClient, EdgeRequestError, type EdgeCallResult } from '../../bridge/edge-client.ts';
import { SignatureVerifier } from '../../src/signing.ts';

const SECRET = 'edge-client-test-secret';
const BATCH = { queueName: 'email', jobs: [{ jobId: '1', data: { to: 'ada' }, attemptsMade: 0 }, { jobId: '2', data: { to: 'bob' }, attemptsMade: 1 }] };

const ndjson = (res: ServerResponse, lines: unknown[]) => {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  res.end(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
};

/** Runs BATCH; the outcomes by job id, in the order they arrived. */
const dispatchBatch = async (timeoutMs = 2_000) => {
  const outcomes: [string, unknown][] = [];
  let accepted = false;
  await client.dispatchBatch(BATCH, { timeoutMs, onAccepted: () => (accepted = true), onOutcome: (jobId, outcome) => outcomes.push([jobId, outcome]) });
  return { outcomes, accepted };
};

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let handler: Handler;
let connections = 0;
let results: EdgeCallResult[];
let client: EdgeClient;
const verifier = new SignatureVerifier({ currentSecret: SECRET });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    handler(req, res, Buffer.concat(chunks).toString('utf8'));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A path prefix, as when the edge sits under a route: it is part of what gets signed.
  client = new EdgeClient({
    edgeUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/edge`,
    secret: SECRET,
    bridgeId: 'bridge-1',
    onResult: (result) => results.push(result),
  });
});

beforeEach(() => {
  results = [];
});

afterAll(async () => {
  client?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('EdgeClient', () => {
  it('signs "<t>.<METHOD>.<path>.<body>", reuses one keep-alive connection, and hands over each line', async () => {
    const seen: boolean[] = [];
    handler = async (req, res, body) => {
      const verdict = await verifier.verifyBridgeRequest(req.headers['x-queue-signature'] as string, req.method!, req.url!, body);
      seen.push(verdict.ok && req.url === '/edge/internal/dispatch/batch' && req.headers['x-queue-bridge-id'] === 'bridge-1');
      ndjson(res, [
        { jobId: '2', outcome: 'failed', retryable: true, error: { message: 'later' }, durationMs: 1 },
        { jobId: '1', outcome: 'completed', result: { ok: true }, durationMs: 3 },
      ]);
    };
    const before = connections;

    for (let i = 0; i < 3; i++) {
      expect(await dispatchBatch()).toEqual({
        accepted: true,
        outcomes: [
          ['2', { outcome: 'failed', retryable: true, error: { message: 'later' }, durationMs: 1 }],
          ['1', { outcome: 'completed', result: { ok: true }, durationMs: 3 }],
        ],
      });
    }

    expect(seen).toEqual([true, true, true]);
    expect(connections - before).toBeLessThanOrEqual(1);
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('makes every batch request unique (a fresh requestId), so the same jobs sent again in the same second never sign like a replay', async () => {
    const seen: { requestId: unknown; jobs: unknown; signature: string }[] = [];
    handler = (req, res, body) => {
      const parsed = JSON.parse(body) as { requestId: unknown; jobs: unknown };
      seen.push({ requestId: parsed.requestId, jobs: parsed.jobs, signature: String(req.headers['x-queue-signature']) });
      ndjson(res, [
        { jobId: '1', outcome: 'throttled', retryAfterMs: 5 },
        { jobId: '2', outcome: 'throttled', retryAfterMs: 5 },
      ]);
    };

    await dispatchBatch();
    await dispatchBatch();

    expect(seen[0].jobs).toEqual(seen[1].jobs);
    expect(seen.map((s) => s.requestId)).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect(seen[0].requestId).not.toBe(seen[1].requestId);
    expect(seen[0].signature).not.toBe(seen[1].signature);
  });

  it("keeps a throttle's reason (the edge budget's included) and drops a reason it does not know", async () => {
    handler = (_req, res) =>
      ndjson(res, [
        { jobId: '1', outcome: 'throttled', retryAfterMs: 1_000, reason: 'budget' },
        { jobId: '2', outcome: 'throttled', retryAfterMs: 50, reason: 'whatever' },
      ]);
    expect((await dispatchBatch()).outcomes).toEqual([
      ['1', { outcome: 'throttled', retryAfterMs: 1_000, reason: 'budget' }],
      ['2', { outcome: 'throttled', retryAfterMs: 50 }],
    ]);
  });

  it.each([
    ['a non-200 answer', (res: ServerResponse) => json(res, 502, { error: { code: 'bad_gateway', message: 'upstream hiccup' } }), /edge answered 502: upstream hiccup/],
    ['a line that is not an outcome', (res: ServerResponse) => ndjson(res, [{ jobId: '1', outcome: 'done' }]), /malformed line/],
    ['a 200 that is not NDJSON', (res: ServerResponse) => res.end('<html>oops</html>'), /malformed line: <html>oops/],
    ['an outcome for a job it was not sent', (res: ServerResponse) => ndjson(res, [{ jobId: '9', outcome: 'throttled', retryAfterMs: 5 }]), /malformed line/],
    ['a job left without an outcome', (res: ServerResponse) => ndjson(res, [{ jobId: '1', outcome: 'throttled', retryAfterMs: 5 }]), /without an outcome for 1 job/],
    ['no answer in time', () => {}, /did not answer within 300 ms/],
  ])('%s is an EdgeRequestError, reported as the edge being down', async (_label, answer, message) => {
    handler = (_req, res) => answer(res);

    const error = await dispatchBatch(300).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EdgeRequestError);
    expect((error as Error).message).toMatch(message);
    expect(results.at(-1)).toMatchObject({ ok: false });
  });

  it('registrations: ETag sent back as If-None-Match, 304 means unchanged', async () => {
    handler = (req, res) => {
      if (req.headers['if-none-match'] === '"v2"') return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/json', etag: '"v2"' });
      res.end(JSON.stringify({ registrations: [{ name: 'email' }] }));
    };

    expect(await client.fetchRegistrations()).toEqual({ changed: true, etag: '"v2"', registrations: [{ name: 'email' }] });
    expect(await client.fetchRegistrations('"v2"')).toEqual({ changed: false });
    expect(results).toEqual([{ ok: true, latencyMs: expect.any(Number) }, { ok: true, latencyMs: expect.any(Number) }]);
  });
});
