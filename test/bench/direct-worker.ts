// The benchmark's two peers of Queue Worker, as a child process so its memory and CPU are measured
// the same way as the bridge's:
//   inprocess: a BullMQ Worker with a no-op processor (the queue's own ceiling);
//   http:      a BullMQ Worker posting each job straight to the feature over a keep-alive agent
//              (the seed's original design, no edge).
// Usage: node test/bench/direct-worker.ts '<json DirectWorkerOptions>'; prints "ready", stops on SIGTERM.

import { Agent, request } from 'node:http';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';

export interface DirectWorkerOptions {
  mode: 'inprocess' | 'http';
  redisPort: number;
  queues: string[];
  concurrency: number;
  featureUrl?: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as DirectWorkerOptions;
const connection = new Redis(options.redisPort, '127.0.0.1', { maxRetriesPerRequest: null });
const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency * options.queues.length });

const post = (job: Job, queueName: string): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify({ jobId: job.id, queueName, data: job.data, attemptsMade: job.attemptsMade });
    const req = request(
      `${options.featureUrl}/internal/process-job`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const answer = JSON.parse(text) as { success?: boolean; result?: unknown; error?: string };
          if (answer.success) resolve(answer.result ?? null);
          else reject(new Error(answer.error ?? `feature answered ${res.statusCode}`));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });

const workers = options.queues.map(
  (queueName) =>
    new Worker<unknown, unknown>(queueName, options.mode === 'inprocess' ? async () => null : (job) => post(job, queueName), {
      connection,
      concurrency: options.concurrency,
    }),
);
await Promise.all(workers.map((worker) => worker.waitUntilReady()));
console.log('ready');

process.once('SIGTERM', async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  agent.destroy();
  connection.disconnect();
  process.exit(0);
});
