// Adds one job with plain BullMQ — what any producer does — and waits for its outcome.
//   node scripts/enqueue.ts [queue=demo] [json-data='{"name":"Ada"}']
// Redis: REDIS_URL, else the local stack's redis://127.0.0.1:26388.

import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { parseJsonOrUndefined } from '../src/json.ts';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:26388';
const WAIT_MS = 30_000;

const [queueName = 'demo', json = '{"name":"Ada"}'] = process.argv.slice(2);
const data = parseJsonOrUndefined(json);
if (data === undefined) {
  process.stderr.write(`the job data must be JSON, got: ${json}\n`);
  process.exit(2);
}

const connection = new Redis(process.env.REDIS_URL ?? DEFAULT_REDIS_URL, { maxRetriesPerRequest: null });
const queue = new Queue(queueName, { connection });
// QueueEvents listens on its own (duplicated) connection.
const events = new QueueEvents(queueName, { connection });
try {
  await events.waitUntilReady();
  const job = await queue.add(queueName, data);
  process.stdout.write(`added job ${job.id} to '${queueName}'; waiting for it…\n`);
  const result = await job.waitUntilFinished(events, WAIT_MS);
  process.stdout.write(`job ${job.id} completed: ${JSON.stringify(result)}\n`);
} catch (error) {
  process.stderr.write(`not completed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await events.close();
  await queue.close();
  connection.disconnect();
}
