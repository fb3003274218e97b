// POST /queues/:name/jobs on the real edge (wrangler dev) writing through the Upstash REST gateway
// into a real Redis, fuzzed: tokens, queue names, content types and bodies near `{ name?, data,
// opts? }` with hostile ids, data and numbers. Lives in the Node project because only here does the
// edge have a Redis to write to. Properties: never a 5xx, always the JSON error shape, and a refusal
// leaves every Redis key byte-for-byte as it was; a job that breaks ARCHITECTURE's "Poison jobs"
// rules (id a BullMQ key name, with NUL/CR/LF, over 256 characters; data nested past 64 levels or
// holding a number JSON cannot carry exactly; invalid UTF-8) is refused with a 400, writing nothing.

import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_JSON_DEPTH } from '../../src/json.ts';
import { checkProperty, fuzzRuns } from '../support/fuzz.ts';
import {
  abbreviate,
  BULLMQ_KEY_NAMES,
  bodyNear,
  contentType,
  INEXACT_NUMBERS,
  jsonText,
  nestedText,
  pathSegment,
  RawJson,
  WireBody,
  type Body,
} from '../support/fuzz-arbitraries.ts';
import { enqueueBody } from '../support/fuzz-shapes.ts';
import { EdgeServer } from '../support/edge.ts';
import { RedisServer } from '../support/redis.ts';
import { teardown } from '../support/teardown.ts';
import { UpstashGateway } from '../../scripts/upstash-gateway.ts';

const RUNS = fuzzRuns(150, process.env.FUZZ_RUNS, 2);
const POISON_RUNS = fuzzRuns(40, process.env.FUZZ_RUNS, 5);
const PRODUCER_TOKEN = 'fuzz-producer-token-0123456789';
const UPSTASH_TOKEN = 'fuzz-upstash-token-0123456789';

let redis: RedisServer;
let gateway: UpstashGateway;
let edge: EdgeServer;
let client: Redis;
let queue = '';

beforeAll(async () => {
  redis = await RedisServer.start();
  gateway = await UpstashGateway.start({ redisUrl: redis.url, token: UPSTASH_TOKEN });
  edge = await EdgeServer.start({ vars: { PRODUCER_TOKEN, UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: UPSTASH_TOKEN } });
  client = redis.client();
  queue = (await edge.putRegistration('fuzz-producer', { endpoint: 'http://127.0.0.1:9' })).name;
}, 120_000);

afterAll(() =>
  teardown(
    () => client?.quit(),
    () => edge?.close(),
    () => gateway?.close(),
    () => redis?.close(),
  ),
);

/** Every key in Redis with its DUMP, so "nothing written" means exactly that. */
const redisSnapshot = async (): Promise<Record<string, string>> => {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await client.scan(cursor, 'COUNT', 1000);
    keys.push(...page);
    cursor = next;
  } while (cursor !== '0');
  const dumps = await Promise.all(keys.map((key) => client.dumpBuffer(key)));
  return Object.fromEntries(keys.map((key, i) => [key, dumps[i]?.toString('hex') ?? '']));
};

interface Answer {
  status: number;
  text: string;
  contentType: string | null;
}

const post = async (name: string, body: Body, headers: Record<string, string | undefined>): Promise<Answer> => {
  const response = await fetch(`${edge.url}/queues/${name}/jobs`, {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    body,
  });
  return { status: response.status, text: await response.text(), contentType: response.headers.get('Content-Type') };
};

const describeAnswer = (answer: Answer): string => abbreviate(`${answer.status}: ${answer.text}`).slice(0, 400);

const expectErrorShape = (answer: Answer): { code: string; message: string; details?: unknown } => {
  expect(answer.contentType, describeAnswer(answer)).toMatch(/^application\/json/);
  const { error } = JSON.parse(answer.text) as { error: { code: string; message: string; details?: unknown } };
  expect(error, describeAnswer(answer)).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  return error;
};

const authorization = fc.oneof(
  { arbitrary: fc.constant(`Bearer ${PRODUCER_TOKEN}`), weight: 8 },
  { arbitrary: fc.constantFrom(undefined, 'Bearer wrong', `Bearer ${PRODUCER_TOKEN}x`, `Basic ${PRODUCER_TOKEN}`, 'Bearer test-admin-token'), weight: 2 },
);

describe('POST /queues/:name/jobs', () => {
  it('never answers 5xx, and a refusal writes nothing to Redis', async () => {
    await checkProperty(
      'producer route (token, queue name, content type, body)',
      fc.asyncProperty(pathSegment(fc.constant('').map(() => queue)), authorization, contentType, bodyNear(enqueueBody()), async (name, auth, type, body) => {
        const before = await redisSnapshot();
        const answer = await post(name, body.wire, { Authorization: auth, 'Content-Type': type });
        expect(answer.status, describeAnswer(answer)).toBeLessThan(500);
        if (answer.status >= 400) {
          expectErrorShape(answer);
          expect(await redisSnapshot(), `refused, yet Redis changed: ${describeAnswer(answer)}`).toEqual(before);
        }
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  it('refuses every job that breaks the poison-job rules with a 400 naming the field, writing nothing', async () => {
    const invalidUtf8 = (prefix: string): Uint8Array<ArrayBuffer> => {
      const head = new TextEncoder().encode(`{"data":{"text":"${prefix}`);
      const tail = new TextEncoder().encode('"}}');
      return new Uint8Array([...head, 0xff, 0xfe, ...tail]);
    };
    const poison = fc.oneof(
      fc.constantFrom(...BULLMQ_KEY_NAMES, 'a\u0000b', 'job\r\nx', 'job\nx', 'a'.repeat(257), 'a'.repeat(300)).map((jobId) => ({ field: 'opts.jobId', wire: jsonText({ data: {}, opts: { jobId } }) as Body })),
      fc.constantFrom(...INEXACT_NUMBERS).map((n) => ({ field: 'data', wire: jsonText({ data: { n: new RawJson(n) } }) as Body })),
      // Data the body guard lets through is refused naming `data`; deeper, the whole body is refused before parsing, naming the limit.
      fc.integer({ min: 65, max: 5_000 }).map((depth) => ({
        field: depth + 1 > MAX_BODY_JSON_DEPTH ? 'maxDepth' : 'data',
        wire: jsonText({ data: nestedText(depth, 'array') }) as Body,
      })),
      // Where the bad bytes stand cannot be named: the error names the encoding instead.
      fc.string({ maxLength: 8 }).map((prefix) => ({ field: 'UTF-8', wire: invalidUtf8(prefix.replace(/["\\]/g, '')) as Body })),
    );
    await checkProperty(
      'producer route poison jobs',
      fc.asyncProperty(poison.map(({ field, wire }) => ({ field, body: new WireBody(wire) })), async ({ field, body }) => {
        const before = await redisSnapshot();
        const answer = await post(queue, body.wire, { Authorization: `Bearer ${PRODUCER_TOKEN}`, 'Content-Type': 'application/json' });
        expect(answer.status, `accepted a poison job: ${describeAnswer(answer)}`).toBe(400);
        const error = expectErrorShape(answer);
        expect(JSON.stringify(error.details ?? error.message)).toContain(field.split('.').pop());
        expect(await redisSnapshot()).toEqual(before);
      }),
      { numRuns: POISON_RUNS },
    );
  }, 600_000);
});
