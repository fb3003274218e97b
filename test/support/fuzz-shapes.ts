// Arbitraries near each body the tiers take (ARCHITECTURE "Edge routes"): every field usually
// right, sometimes hostile, sometimes missing, now and then an unknown one. Web-standard only.

import fc from 'fast-check';
import { field, hostileId, hostileJson, shape } from './fuzz-arbitraries.ts';

/** Endpoints refused always, whatever ALLOW_PRIVATE_ENDPOINTS says (link-local, cloud metadata). */
export const ALWAYS_FORBIDDEN_ENDPOINTS = [
  'http://169.254.169.254',
  'http://169.254.169.254/latest/meta-data',
  'http://169.254.1.1:8080',
  'http://metadata.google.internal',
  'http://metadata.google.internal./computeMetadata/v1',
  'http://[fe80::1]',
  'http://2852039166', // 169.254.169.254 in decimal
  'http://0xa9fea9fe', // … in hex
  'http://[::ffff:169.254.169.254]',
];

/** Endpoints refused unless ALLOW_PRIVATE_ENDPOINTS=true (loopback, private, unspecified; any notation). */
export const PRIVATE_ENDPOINTS = [
  'http://127.0.0.1:6379',
  'http://localhost:6379',
  'http://[::1]',
  'http://0x7f000001',
  'http://2130706433',
  'http://0177.0.0.1',
  'http://10.0.0.1',
  'http://192.168.1.1',
  'http://172.16.0.1',
  'http://0.0.0.0',
  'http://[::ffff:127.0.0.1]',
];

/** Paths with `.`/`..` segments, refused always. */
export const DOT_SEGMENT_PATHS = ['/../../admin', '/a/../b', '/./x', '/a/.', '/..'];

export const GOOD_ENDPOINTS = ['http://email-api:3020', 'https://feature.example.com', 'https://feature.example.com/base'];

const idLike = (good: fc.Arbitrary<string>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: hostileId, weight: 3 }, { arbitrary: hostileJson(1024), weight: 1 });

export const goodJobId: fc.Arbitrary<string> = fc.oneof(fc.uuid(), fc.nat().map((n) => `job-${n}`));

/** Schedules near the real shape: good and bad cron expressions, zones and intervals. */
const scheduleShape = shape({
  id: field(fc.constantFrom('nightly', 'every-5s', 'a:b', '', 'x'.repeat(70))),
  cron: field(fc.constantFrom('0 3 * * *', '*/5 * * * * *', '61 * * * *', '* * * * * * *', '@daily', '0 0 30 2 *', '')),
  tz: field(fc.constantFrom('Europe/Berlin', 'Asia/Kolkata', 'UTC', 'Mars/Olympus', '')),
  everyMs: field(fc.integer({ min: -1, max: 5_000 })),
  data: field(fc.jsonValue({ maxDepth: 3 })),
  name: field(fc.string({ maxLength: 10 })),
});

const alertsShape = shape({
  url: field(fc.constantFrom(...GOOD_ENDPOINTS, ...ALWAYS_FORBIDDEN_ENDPOINTS, 'ftp://x')),
  on: field(fc.subarray(['job.failed', 'queue.backlog', 'bridge.stale', 'job.exploded'])),
  backlogOver: field(fc.integer({ min: -1, max: 2_000 })),
});

export const registrationBody = (maxStringBytes = 80 * 1024): fc.Arbitrary<Record<string, unknown>> =>
  shape({
    endpoint: field(fc.constantFrom(...GOOD_ENDPOINTS, ...ALWAYS_FORBIDDEN_ENDPOINTS, ...PRIVATE_ENDPOINTS, 'ftp://x', 'http://user:pw@host', 'http://h/?q=1', 'not a url'), maxStringBytes),
    path: field(fc.constantFrom('/internal/process-job', '/jobs', '/a b', '/x?y', 'relative', ...DOT_SEGMENT_PATHS), maxStringBytes),
    concurrency: field(fc.integer({ min: -5, max: 1_200 }), maxStringBytes),
    timeoutMs: field(fc.integer({ min: 0, max: 20 * 60 * 1000 }), maxStringBytes),
    retry: field(
      shape({
        attempts: field(fc.integer({ min: 0, max: 120 })),
        backoff: field(
          shape({
            type: field(fc.constantFrom('exponential', 'fixed', 'linear')),
            delayMs: field(fc.nat(100_000)),
            maxDelayMs: field(fc.nat(1_000_000)),
            jitter: field(fc.double({ min: -0.5, max: 1.5, noNaN: true })),
          }),
        ),
      }),
      maxStringBytes,
    ),
    paused: field(fc.boolean()),
    schedules: field(fc.array(scheduleShape, { maxLength: 3 }), maxStringBytes),
    alerts: field(fc.oneof(fc.constant(null), alertsShape), maxStringBytes),
    name: field(fc.string({ maxLength: 10 })),
    version: field(fc.nat()),
    updatedAt: field(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
  });

const jobFields = (maxStringBytes: number) => ({
  jobId: idLike(goodJobId),
  data: field(fc.jsonValue({ maxDepth: 3 }), maxStringBytes),
  attemptsMade: field(fc.nat(5)),
  name: field(fc.string({ maxLength: 20 })),
});

export const dispatchBody = (queueName: fc.Arbitrary<string>, maxStringBytes = 600 * 1024): fc.Arbitrary<Record<string, unknown>> =>
  shape({ ...jobFields(maxStringBytes), queueName: idLike(queueName) });

export const batchBody = (queueName: fc.Arbitrary<string>, maxStringBytes = 600 * 1024): fc.Arbitrary<Record<string, unknown>> =>
  shape({
    queueName: idLike(queueName),
    jobs: fc.oneof(
      { arbitrary: fc.array(shape(jobFields(maxStringBytes)), { minLength: 1, maxLength: 6 }), weight: 6 },
      { arbitrary: fc.array(shape(jobFields(1024)), { minLength: 0, maxLength: 9 }), weight: 1 },
      { arbitrary: hostileJson(1024), weight: 1 },
    ),
  });

export const heartbeatBody = (bridgeId: fc.Arbitrary<string>, queueName: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> =>
  shape({
    bridgeId: idLike(bridgeId),
    startedAt: field(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), 1024),
    workers: field(
      fc.array(
        shape({
          queue: idLike(queueName),
          running: field(fc.boolean(), 1024),
          concurrency: field(fc.nat(50), 1024),
          counts: field(shape({ waiting: field(fc.nat(), 1024), active: field(fc.nat(), 1024), failed: field(fc.nat(), 1024) }), 1024),
        }),
        { maxLength: 4 },
      ),
      80 * 1024,
    ),
  });

export const enqueueBody = (maxStringBytes = 600 * 1024): fc.Arbitrary<Record<string, unknown>> =>
  shape({
    name: field(fc.string({ maxLength: 20 }), 1024),
    data: field(fc.jsonValue({ maxDepth: 3 }), maxStringBytes),
    opts: field(
      shape({
        jobId: idLike(goodJobId),
        delay: field(fc.nat(60_000), 1024),
        priority: field(fc.integer({ min: 0, max: 2 ** 21 }), 1024),
        attempts: field(fc.integer({ min: 0, max: 12 }), 1024),
        backoff: field(fc.oneof(fc.nat(5_000), shape({ type: field(fc.constantFrom('exponential', 'fixed', 'linear')), delay: field(fc.nat(5_000)), jitter: field(fc.double({ min: 0, max: 1, noNaN: true })) })), 1024),
      }),
      1024,
    ),
  });

/** `POST /callbacks/:queue/:jobId` near its shape: attempt 1 (the one deferred) most often. */
export const callbackBody = (): fc.Arbitrary<Record<string, unknown>> =>
  shape({
    attempt: field(fc.oneof({ arbitrary: fc.constant(1), weight: 4 }, { arbitrary: fc.constantFrom(0, 2, 100, 101, 1.5), weight: 1 }), 1024),
    success: field(fc.boolean(), 1024),
    result: field(fc.jsonValue({ maxDepth: 3 })),
    error: field(fc.oneof(fc.string({ maxLength: 40 }), fc.record({ message: fc.string({ maxLength: 40 }) })), 1024),
    retryable: field(fc.boolean(), 1024),
  });
