// The bridge-signed routes (GET /internal/registrations, POST /internal/dispatch, /dispatch/batch,
// /dispatch/cancel, /heartbeat, /registrations/:name/paused, and GET /internal/status, which the bridge may sign too), signed for real over the exact request so the fuzz reaches the handlers, with
// signature variants (absent, expired, another secret, path or method, duplicated, 200 bogus v1
// values), content types and bodies near each shape. Properties: never a 5xx, always the JSON error
// shape, a refused request calls no feature and records no bridge; only the signatures ARCHITECTURE
// allows get past the check; a batch answers one line per job (a failed line for a job the edge
// cannot take, never a 4xx for the whole batch); a job the feature never saw is never answered
// retryable (it would loop); an accepted heartbeat is visible in the status.

import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DispatchBatchLine, DispatchOutcome } from '../../src/protocol.ts';
import { checkProperty } from '../support/fuzz.ts';
import { MAX_JSON_DEPTH } from '../../src/json.ts';
import { BULLMQ_KEY_NAMES, bodyNear, bodyText, contentType, deepNesting, hostileId, inexactNumber, jsonText, nestedText, type Body } from '../support/fuzz-arbitraries.ts';
import { batchBody, dispatchBody, goodJobId, heartbeatBody } from '../support/fuzz-shapes.ts';
import { describeAnswer, expectWellBehaved, isAcceptedSignature, runs, send, signatureFor, signatureKind, type Answer } from './fuzz-support.ts';
import { registerStubQueue, stubStats, uniqueQueue } from './helpers.ts';

const ROUTE_RUNS = runs(250);
const BATCH_RUNS = runs(80);
const DISPATCH_RUNS = runs(80);
const HEARTBEAT_RUNS = runs(60);

/** ARCHITECTURE "Poison jobs": an id the edge can dispatch. */
const isDispatchableId = (id: string): boolean =>
  id.length >= 1 && id.length <= 256 && !/[\u0000-\u001f\u007f-\u009f]/.test(id) && !(BULLMQ_KEY_NAMES as readonly string[]).includes(id);

let queue = '';
/** Paused and resumed by the fuzz: a queue of its own, so the dispatch properties never see a pause. */
const PAUSE_QUEUE = uniqueQueue('fz-pause');

beforeAll(async () => {
  queue = uniqueQueue('fz-bridge');
  await Promise.all([registerStubQueue(queue), registerStubQueue(PAUSE_QUEUE)]);
});

const queueName = fc.oneof({ arbitrary: fc.constant('').map(() => queue), weight: 4 }, { arbitrary: fc.constantFrom('unknown-queue', '__proto__'), weight: 1 });

const knownBridgeIds = async (): Promise<string[]> =>
  (await env.BRIDGE_MONITOR.getByName('default').summary()).bridges.map((bridge) => bridge.bridgeId).sort();

/** Signs `body` as `kind` for `method path` and sends it. */
const sendSigned = async (method: string, path: string, kind: Parameters<typeof signatureFor>[0], body: Body | undefined, type: string | undefined, bogusCount?: number): Promise<Answer> => {
  const text = body === undefined ? '' : bodyText(body);
  return send(method, path, { 'Content-Type': type, 'X-Queue-Signature': await signatureFor(kind, method, path, text, { bogusCount }) }, body);
};

const ROUTES = [
  { method: 'GET', path: '/internal/registrations', body: fc.constant(undefined) },
  { method: 'POST', path: '/internal/dispatch', body: bodyNear(dispatchBody(queueName)) },
  { method: 'POST', path: '/internal/dispatch/batch', body: bodyNear(batchBody(queueName)) },
  { method: 'POST', path: '/internal/heartbeat', body: bodyNear(heartbeatBody(fc.uuid(), queueName)) },
  { method: 'POST', path: '/internal/dispatch/cancel', body: bodyNear(fc.record({ queueName, jobId: fc.oneof(goodJobId, hostileId) })) },
  { method: 'GET', path: '/internal/status', body: fc.constant(undefined) },
  { method: 'POST', path: `/internal/registrations/${PAUSE_QUEUE}/paused`, body: bodyNear(fc.record({ paused: fc.boolean() })) },
] as const;

const routeCase = fc.oneof(...ROUTES.map(({ method, path, body }) => fc.record({ method: fc.constant(method), path: fc.constant(path), body })));

describe('bridge-signed routes', () => {
  it('never answer 5xx, refuse every signature ARCHITECTURE does not allow, and a refusal calls no feature and records no bridge', async () => {
    await checkProperty(
      'bridge routes (route, signature, content type, body)',
      fc.asyncProperty(routeCase, signatureKind, fc.integer({ min: 2, max: 200 }), contentType, async ({ method, path, body }, kind, bogusCount, type) => {
        const [calledBefore, bridgesBefore] = await Promise.all([stubStats(queue), knownBridgeIds()]);
        const answer = await sendSigned(method, path, kind, body?.wire, type, bogusCount);
        expectWellBehaved(answer);
        if (!isAcceptedSignature(kind)) expect([401, 413], `signature '${kind}' got past the check: ${describeAnswer(answer)}`).toContain(answer.status);
        if (answer.status >= 400) {
          expect((await stubStats(queue)).count, `refused, yet the feature was called: ${describeAnswer(answer)}`).toBe(calledBefore.count);
          expect(await knownBridgeIds(), `refused, yet a bridge was recorded: ${describeAnswer(answer)}`).toEqual(bridgesBefore);
        }
      }),
      { numRuns: ROUTE_RUNS },
    );
  }, 300_000);

  it('a signed batch of a registered queue answers 200 with one line per job, poison jobs failed and not retryable', async () => {
    // Data as deep as the edge parses at all: a body nested past its guard is refused whole, before
    // parsing, as invalid JSON (the bridge fails jobs nested over 64 levels before sending them).
    const parseableDeep = fc.integer({ min: MAX_JSON_DEPTH + 1, max: MAX_JSON_DEPTH + 5 }).map((depth) => nestedText(depth, 'array'));
    const job = fc.record({
      jobId: fc.oneof(goodJobId, hostileId),
      data: fc.oneof({ arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 4 }, { arbitrary: inexactNumber, weight: 1 }, { arbitrary: parseableDeep, weight: 1 }),
      attemptsMade: fc.nat(3),
    });
    await checkProperty(
      'dispatch batch (1–6 jobs with hostile ids and data)',
      fc.asyncProperty(fc.uniqueArray(job, { minLength: 1, maxLength: 6, selector: (j) => j.jobId }), async (jobs) => {
        // A fresh requestId, as the bridge sends: shrinking repeats a case, and the edge refuses a repeated signature.
        const body = jsonText({ queueName: queue, jobs, requestId: crypto.randomUUID() });
        const answer = await sendSigned('POST', '/internal/dispatch/batch', 'valid', body, 'application/json');
        expect(answer.status, describeAnswer(answer)).toBe(200);
        const lines = answer.text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as DispatchBatchLine);
        expect(lines.map((line) => line.jobId).sort()).toEqual(jobs.map((j) => j.jobId).sort());
        for (const line of lines.filter((l) => !isDispatchableId(l.jobId))) {
          expect(line, `poison job ${JSON.stringify(line.jobId)}`).toMatchObject({ outcome: 'failed', retryable: false });
        }
      }),
      { numRuns: BATCH_RUNS },
    );
  }, 300_000);

  it('a signed dispatch answers 200 with an outcome, and a job the feature never saw is never answered retryable', async () => {
    const job = fc.record({
      jobId: fc.oneof(goodJobId, hostileId),
      data: fc.oneof({ arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 4 }, { arbitrary: inexactNumber, weight: 1 }, { arbitrary: deepNesting(8_000), weight: 1 }),
      attemptsMade: fc.nat(3),
      name: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
    });
    await checkProperty(
      'dispatch (one job with hostile id and data)',
      fc.asyncProperty(job, async (j) => {
        const before = (await stubStats(queue)).count;
        const answer = await sendSigned('POST', '/internal/dispatch', 'valid', jsonText({ queueName: queue, ...j }), 'application/json');
        expectWellBehaved(answer);
        if (answer.status !== 200) return;
        const outcome = JSON.parse(answer.text) as DispatchOutcome;
        const called = (await stubStats(queue)).count > before;
        if (outcome.outcome === 'failed' && !called) expect(outcome.retryable, `job ${JSON.stringify(j.jobId)} never reached the feature: ${describeAnswer(answer)}`).toBe(false);
      }),
      { numRuns: DISPATCH_RUNS },
    );
  }, 300_000);

  it('an accepted heartbeat shows its bridge in the status', async () => {
    await checkProperty(
      'heartbeat (hostile bridge ids)',
      fc.asyncProperty(fc.oneof(fc.uuid(), hostileId), async (bridgeId) => {
        const body = JSON.stringify({ bridgeId, startedAt: new Date().toISOString(), workers: [] });
        const answer = await sendSigned('POST', '/internal/heartbeat', 'valid', body, 'application/json');
        expectWellBehaved(answer);
        if (answer.status === 204) expect(await knownBridgeIds(), `heartbeat of ${JSON.stringify(bridgeId)} answered 204`).toContain(bridgeId);
      }),
      { numRuns: HEARTBEAT_RUNS },
    );
  }, 120_000);
});
