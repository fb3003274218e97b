// POST /callbacks/:queue/:jobId (an async queue's completion report, signed with the queue's feature
// key) under hostile requests: queue and job segments (hostile ids, malformed percent-encoding),
// signatures (both accepted forms, and absent, expired, another queue's key, the bridge's secret,
// signed for another job's path, 200 bogus v1 values), content types and bodies near the callback.
// Properties: never a 5xx, always the JSON error shape; only the accepted signatures get past the
// check; a refused callback leaves every deferred job deferred with its deadline, calls no feature,
// and a counted one settles exactly the job it names, once (the same report again is 409). And a
// deferred job with any id the edge dispatches is settled by the SDK's completeJob.

import { env, exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { queueKey } from '../../src/feature-keys.ts';
import { callbackPath, completeJob } from '../../src/handler/complete-job.ts';
import { dispatchableJobIdProblem } from '../../src/jobs/job-id.ts';
import { HEADER_SIGNATURE, LIMITS, type DispatchOutcome } from '../../src/protocol.ts';
import { Signer } from '../../src/signing.ts';
import { checkProperty } from '../support/fuzz.ts';
import { bodyNear, bodyText, contentType, encodePathSegment, hostileId, method, pathSegment, WireBody } from '../support/fuzz-arbitraries.ts';
import { callbackBody, goodJobId } from '../support/fuzz-shapes.ts';
import { ACCEPTED_SIGNATURES, describeAnswer, expectWellBehaved, runs, send, signatureFor, signatureKind, type Answer, type SignatureKind } from './fuzz-support.ts';
import { dispatch, EDGE, registerStubQueue, scriptStub, stubStats, uniqueQueue } from './helpers.ts';

const HOSTILE_RUNS = runs(200);
const SETTLE_RUNS = runs(60);
/** The feature takes every call with a 202 (the stub repeats its last behaviour). */
const TAKE_EVERY_CALL = [{ status: 202, body: { accepted: true } }];
/** Deferred jobs the hostile callbacks aim at; one id needs percent-encoding in the path. */
const POOL_SIZE = 3;
const POOL_IDS = ['victim-0', 'victim 1/%?#"', 'victim-2'];

/** Beyond the bridge's own signature forms: a feature's "<t>.<body>" (accepted), another queue's key and the bridge's secret. */
type CallbackSignature = SignatureKind | 'feature-form' | 'other-queue-key' | 'bridge-secret';
const ACCEPTED: readonly string[] = [...ACCEPTED_SIGNATURES, 'feature-form'];

const callbackSignature: fc.Arbitrary<CallbackSignature> = fc.oneof(
  { arbitrary: signatureKind, weight: 8 },
  { arbitrary: fc.constantFrom('feature-form' as const, 'other-queue-key' as const, 'bridge-secret' as const), weight: 3 },
);

let queue = '';
let key = '';
/** Deferred attempts (attempt 1) by job id, with the deadline the edge answered. */
const pool = new Map<string, number>();

const deferredOutcome = async (jobId: string): Promise<DispatchOutcome> => dispatch({ queueName: queue, jobId, attemptsMade: 0 });

/** Dispatches `jobId` once; the feature takes it with a 202, so it waits for its callback. */
const defer = async (jobId: string): Promise<void> => {
  const outcome = await deferredOutcome(jobId);
  if (outcome.outcome !== 'deferred') throw new Error(`${jobId} was not deferred: ${JSON.stringify(outcome)}`);
  pool.set(jobId, outcome.deadlineMs);
};

beforeAll(async () => {
  queue = uniqueQueue('fz-callbacks');
  // Deadlines far past the run, so no deferral times out under the fuzz.
  await registerStubQueue(queue, { completion: 'async', concurrency: 20, timeoutMs: LIMITS.timeoutMs.max });
  await scriptStub(queue, TAKE_EVERY_CALL);
  key = await queueKey(env.FEATURE_SIGNING_SECRET, queue);
  for (const jobId of POOL_IDS) await defer(jobId);
});

const signCallback = async (kind: CallbackSignature, path: string, text: string, bogusCount: number): Promise<string | undefined> => {
  switch (kind) {
    case 'feature-form':
      return new Signer(key).signFeatureBody(text);
    case 'other-queue-key':
      return signatureFor('valid', 'POST', path, text, { secret: await queueKey(env.FEATURE_SIGNING_SECRET, 'another-queue') });
    case 'bridge-secret':
      return signatureFor('valid', 'POST', path, text);
    default:
      return signatureFor(kind, 'POST', path, text, { bogusCount, secret: key });
  }
};

/** The pool job an answer settled, or undefined; fails on a 200 that names no deferred job of this queue. */
const settledJob = (answer: Answer, aimedAtQueue: boolean): string | undefined => {
  if (answer.status !== 200) return undefined;
  const { jobId } = JSON.parse(answer.text) as { jobId: string };
  expect(aimedAtQueue && pool.has(jobId), `a 200 for no deferred job: ${describeAnswer(answer)}`).toBe(true);
  return jobId;
};

describe('POST /callbacks/:queue/:jobId', () => {
  it('never answers 5xx, refuses every signature not allowed, and a refused callback changes no job and calls no feature', async () => {
    const jobSegment = fc.oneof(
      { arbitrary: fc.constantFrom(0, 1, 2).map((index) => encodePathSegment([...pool.keys()][index] ?? 'gone')), weight: 6 },
      { arbitrary: pathSegment(goodJobId), weight: 2 },
    );
    const queueSegment = fc.oneof({ arbitrary: fc.constant('').map(() => queue), weight: 6 }, { arbitrary: pathSegment(fc.constant('unknown-queue')), weight: 1 });
    // Right reports now and then too, so the fuzz also settles jobs and checks nothing else moves.
    const body = fc.oneof(
      { arbitrary: bodyNear(callbackBody()), weight: 3 },
      { arbitrary: fc.record({ attempt: fc.constant(1), success: fc.boolean(), result: fc.jsonValue({ maxDepth: 2 }) }).map((report) => new WireBody(JSON.stringify(report))), weight: 1 },
    );
    const verb = fc.oneof({ arbitrary: fc.constant('POST'), weight: 8 }, { arbitrary: method, weight: 1 });
    let counted = 0;
    await checkProperty(
      'callbacks (method, queue and job segments, signature, content type, body)',
      fc.asyncProperty(verb, queueSegment, jobSegment, callbackSignature, fc.integer({ min: 2, max: 200 }), contentType, body, async (v, q, j, kind, bogusCount, type, wire) => {
        const path = `/callbacks/${q}/${j}`;
        const text = bodyText(wire.wire);
        const headers = { 'Content-Type': type, [HEADER_SIGNATURE]: await signCallback(kind, path, text, bogusCount) };
        const calledBefore = (await stubStats(queue)).count;
        const answer = await send(v, path, headers, wire.wire);
        expectWellBehaved(answer);
        if (!ACCEPTED.includes(kind)) expect([401, 404, 413], `signature '${kind}' got past the check: ${describeAnswer(answer)}`).toContain(answer.status);

        const settled = settledJob(answer, q === queue);
        if (settled !== undefined) {
          counted++;
          // The same report again is not a second completion.
          expect((await send(v, path, headers, wire.wire)).status, `settled twice: ${describeAnswer(answer)}`).toBe(409);
          const report = JSON.parse(text) as { success: boolean };
          expect((await deferredOutcome(settled)).outcome, `${settled} after ${text}`).toBe(report.success ? 'completed' : 'failed');
          pool.delete(settled);
        }
        for (const [jobId, deadlineMs] of pool) {
          expect(await deferredOutcome(jobId), `${JSON.stringify(jobId)} after ${describeAnswer(answer)}`).toMatchObject({ outcome: 'deferred', deadlineMs });
        }
        expect((await stubStats(queue)).count, `a feature was called: ${describeAnswer(answer)}`).toBe(calledBefore);
        if (settled !== undefined) await defer(`victim-${crypto.randomUUID()}`);
        expect(pool.size).toBe(POOL_SIZE);
      }),
      { numRuns: HOSTILE_RUNS },
    );
    console.log(`fuzz callbacks: ${counted} counted`);
  }, 300_000);

  it('a deferred job with any id the edge dispatches is settled by the SDK callback once, with the result it reports', async () => {
    // Made unique by a short prefix: a settled attempt answers its outcome for an hour, and shrinking repeats ids.
    let counter = 0;
    const jobId = fc
      .oneof(goodJobId, hostileId)
      .filter((id) => id.length <= 248)
      .map((id) => `u${(counter++).toString(36)}:${id}`)
      .filter((id) => dispatchableJobIdProblem(id) === undefined);
    await checkProperty(
      'callbacks (SDK completeJob for a deferred job with a hostile id)',
      fc.asyncProperty(jobId, fc.jsonValue({ maxDepth: 2 }), async (unique, result) => {
        const outcome = await deferredOutcome(unique);
        expect(outcome.outcome, `dispatching ${JSON.stringify(unique)}`).toBe('deferred');
        const options = { edgeUrl: EDGE, queueName: queue, jobId: unique, attempt: 1, key, fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)) };
        const first = await completeJob(options, { success: true, result }).then(() => 200, (error: { status?: number; message?: string }) => error.message);
        expect(first, `callback of ${JSON.stringify(unique)} (${callbackPath(queue, unique)})`).toBe(200);
        const again = await completeJob(options, { success: true, result }).then(() => 200, (error: { status?: number }) => error.status);
        expect(again).toBe(409);
        expect(await deferredOutcome(unique)).toMatchObject({ outcome: 'completed', result: JSON.parse(JSON.stringify(result)) });
      }),
      { numRuns: SETTLE_RUNS },
    );
  }, 300_000);
});
