// `npm run feature-keys -- <queue> [queue…]`: prints each queue's feature key (and, while
// FEATURE_SIGNING_SECRET_NEXT is set, its next key) as the `keys` / `nextKeys` options of
// createJobHandler, for the platform team to hand to the feature team that owns the queue.
// Reads FEATURE_SIGNING_SECRET (and _NEXT) from the environment; never prints them.

import { queueKey } from '../src/feature-keys.ts';
import { MIN_SECRET_LENGTH, QUEUE_NAME_PATTERN } from '../src/protocol.ts';

const USAGE = 'usage: FEATURE_SIGNING_SECRET=… npm run feature-keys -- <queue> [queue…]';

const fail = (message: string, exitCode: number): never => {
  process.stderr.write(`${message}\n`);
  process.exit(exitCode);
};

const secretFromEnv = (name: string, required: boolean): string | undefined => {
  const value = process.env[name]?.trim() || undefined;
  if (value === undefined) return required ? fail(`${name} is not set: the platform's feature signing secret (the edge's Worker secret) is needed\n${USAGE}`, 1) : undefined;
  if (value.length < MIN_SECRET_LENGTH) fail(`${name} must be at least ${MIN_SECRET_LENGTH} characters (the edge refuses shorter ones too)`, 1);
  return value;
};

const keysFor = async (secret: string, queues: string[]): Promise<Record<string, string>> =>
  Object.fromEntries(await Promise.all(queues.map(async (queue) => [queue, await queueKey(secret, queue)])));

const queues = process.argv.slice(2);
if (queues.length === 0) fail(USAGE, 2);
const invalid = queues.filter((queue) => !QUEUE_NAME_PATTERN.test(queue));
if (invalid.length > 0) fail(`not a queue name: ${invalid.join(', ')} (names match ${QUEUE_NAME_PATTERN.source})`, 2);

const current = secretFromEnv('FEATURE_SIGNING_SECRET', true) as string;
const next = secretFromEnv('FEATURE_SIGNING_SECRET_NEXT', false);
const options = { keys: await keysFor(current, queues), ...(next === undefined ? {} : { nextKeys: await keysFor(next, queues) }) };
process.stdout.write(`${JSON.stringify(options, null, 2)}\n`);
