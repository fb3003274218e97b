// "A bad job never stalls a good one behind it", fuzzed end to end: plain BullMQ Queue.add (no
// producer checks) of random bad jobs interleaved with good ones on one queue, run by a real bridge
// through the real edge to the feature stub. Bad jobs: ids of 300 characters, with NUL or CR/LF,
// BullMQ key names where BullMQ lets the add through and the queue stays usable (checked by hand
// against BullMQ 6.7: paused, repeat, metrics, de — keys this test's queues never use otherwise; not
// `pc`, `meta` or `stalled-check`, which BullMQ itself writes as its priority counter, queue meta hash
// or stalled-check marker, so BullMQ loses or garbles such a job before any bridge sees it — only
// producers' refusal helps there); data nested 5,000 to
// 6,000 levels; 5 MiB of data; data holding numbers JSON cannot carry exactly (written raw into the
// job hash, as a non-JS producer could). Property (ARCHITECTURE "Poison jobs"): every good job
// completes within a deadline; every bad job ends in the failed set after one attempt, not retried,
// with a reason naming the rule. Each case is seconds of real I/O, so few cases and no shrinking.

import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { checkProperty, fuzzRuns } from '../support/fuzz.ts';
import { nestedText } from '../support/fuzz-arbitraries.ts';
import { TestStack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const RUNS = fuzzRuns(3, process.env.FUZZ_RUNS, 100);
const DEADLINE_MS = 25_000;
const MiB = 1024 * 1024;
/** What a failed poison job's reason must name: the rule it broke. */
const RULE_PATTERN = /job ?id|\bid\b|data|nest|depth|size|bytes|large|number|json|serialis|serializ/i;

const KEY_NAMES_BULLMQ_ACCEPTS = ['paused', 'repeat', 'metrics', 'de'];

type Entry =
  | { kind: 'good' | 'id-300' | 'id-nul' | 'id-crlf' | 'big' }
  | { kind: 'id-key-name'; keyName: string }
  | { kind: 'deep'; depth: number }
  | { kind: 'inexact'; number: string };

const bad: fc.Arbitrary<Entry> = fc.oneof(
  fc.constantFrom('id-300' as const, 'id-nul' as const, 'id-crlf' as const, 'big' as const).map((kind) => ({ kind })),
  fc.constantFrom(...KEY_NAMES_BULLMQ_ACCEPTS).map((keyName) => ({ kind: 'id-key-name' as const, keyName })),
  fc.integer({ min: 5_000, max: 6_000 }).map((depth) => ({ kind: 'deep' as const, depth })),
  fc.constantFrom('1e400', '12345678901234567890', '-1e400').map((number) => ({ kind: 'inexact' as const, number })),
);
const good: fc.Arbitrary<Entry> = fc.constant({ kind: 'good' });

/** 1–3 bad jobs interleaved with good ones, always with a good job behind the last bad one. */
const plan = fc
  .array(fc.oneof(bad, good), { minLength: 1, maxLength: 4 })
  .filter((entries) => entries.some((e) => e.kind !== 'good'))
  .map((entries) => [...entries, { kind: 'good' } as Entry]);

let stack: TestStack;
let bridge: Bridge;

beforeAll(async () => {
  stack = await TestStack.start();
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port));
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  await stack?.close();
});

/** Adds `entry` as plain BullMQ would; returns its id, or why BullMQ refused it. */
const addEntry = async (queue: Queue, entry: Entry, index: number): Promise<{ id?: string; refused?: string }> => {
  const opts = (jobId: string) => ({ jobId });
  try {
    switch (entry.kind) {
      case 'good':
        return { id: (await queue.add('good', { index })).id };
      case 'id-300':
        return { id: (await queue.add('bad', {}, opts(`${index}-`.padEnd(300, 'x')))).id };
      case 'id-nul':
        return { id: (await queue.add('bad', {}, opts(`bad-${index}\u0000x`))).id };
      case 'id-crlf':
        return { id: (await queue.add('bad', {}, opts(`bad-${index}\r\nX-Injected: 1`))).id };
      case 'id-key-name':
        return { id: (await queue.add('bad', {}, opts(entry.keyName))).id };
      case 'deep':
        return { id: (await queue.add('bad', JSON.parse(nestedText(entry.depth, 'array').text))).id };
      case 'big':
        return { id: (await queue.add('bad', { blob: 'x'.repeat(5 * MiB) })).id };
      case 'inexact': {
        const job = await queue.add('bad', { n: 0 });
        await stack.connection.hset(`bull:${queue.name}:${job.id}`, 'data', `{"n":${entry.number}}`);
        return { id: job.id };
      }
    }
  } catch (error) {
    return { refused: (error as Error).message };
  }
};

const describeJob = async (queue: Queue, id: string, kind: string): Promise<string> => {
  const job = await Job.fromId(queue, id);
  const state = job ? await job.getState() : 'missing';
  return `${kind} ${JSON.stringify(id.length > 40 ? `${id.slice(0, 20)}…(${id.length})` : id)}: ${state}, attemptsMade ${job?.attemptsMade}, reason ${JSON.stringify(job?.failedReason?.slice(0, 120))}`;
};

describe('poison jobs', () => {
  it('a bad job never stalls a good one behind it, and fails at once naming its rule', async () => {
    await checkProperty(
      'poison jobs (plain Queue.add, bad jobs interleaved with good ones)',
      fc.asyncProperty(plan, async (entries) => {
        const name = `fz-poison-${randomUUID().slice(0, 8)}`;
        const queue = new Queue(name, { connection: stack.connection });
        try {
          // Added before the queue is registered, so the raw edits land before any worker runs.
          const added = await Promise.all(entries.map(async (entry, index) => ({ entry, ...(await addEntry(queue, entry, index)) })));
          const refusedGood = added.filter((a) => a.entry.kind === 'good' && a.refused);
          if (refusedGood.length > 0) throw new Error(`BullMQ refused good jobs after the bad ones: ${refusedGood.map((a) => a.refused).join('; ')}`);
          const jobs = added.filter((a): a is typeof a & { id: string } => a.id !== undefined);
          await stack.edge.putRegistration(name, {
            endpoint: stack.stub.url,
            concurrency: 2,
            timeoutMs: 5_000,
            retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 100, maxDelayMs: 100, jitter: 0 } },
          });

          const verdict = async (): Promise<string[]> => {
            const problems: string[] = [];
            for (const { entry, id } of jobs) {
              const job = await Job.fromId(queue, id);
              const state = job ? await job.getState() : 'missing';
              if (entry.kind === 'good' && state !== 'completed') problems.push(await describeJob(queue, id, 'good'));
              if (entry.kind !== 'good' && (state !== 'failed' || job?.attemptsMade !== 1 || !RULE_PATTERN.test(job?.failedReason ?? ''))) {
                problems.push(await describeJob(queue, id, entry.kind));
              }
            }
            return problems;
          };
          const settled = async (): Promise<true> => {
            const problems = await verdict();
            if (problems.length > 0) throw new Error(problems.join('\n  '));
            return true;
          };
          await waitFor(settled, { timeoutMs: DEADLINE_MS, intervalMs: 250, what: 'every good job completed and every bad one failed' }).catch((error: Error) => {
            throw new Error(`${error.message}:\n  ${(error.cause as Error | undefined)?.message}`);
          });
        } finally {
          await stack.edge.deleteRegistration(name).catch(() => {});
          await queue.close();
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 240_000);
});
