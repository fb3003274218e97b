// What a bridge test file runs against: a private Redis, the real edge and a feature stub, plus the
// helpers every such file needs (a uniquely named registration, waiting for jobs to finish).

import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BridgeWorkerStatus, RegistrationInput } from '../../src/protocol.ts';
import { EdgeServer } from './edge.ts';
import { FeatureStub } from './feature-stub.ts';
import { RedisServer } from './redis.ts';
import { EDGE_TEST_BINDINGS } from './secrets.ts';
import { waitFor } from './wait.ts';

const DEFAULT_REGISTRATION: RegistrationInput = { concurrency: 2, timeoutMs: 5_000 };

export class TestStack {
  readonly redis: RedisServer;
  readonly edge: EdgeServer;
  readonly stub: FeatureStub;
  /** The test's own client (producers, inspection); closed with the stack. */
  readonly connection: Redis;
  readonly #queues: Queue[] = [];

  private constructor(redis: RedisServer, edge: EdgeServer, stub: FeatureStub) {
    this.redis = redis;
    this.edge = edge;
    this.stub = stub;
    this.connection = redis.client();
  }

  static async start(): Promise<TestStack> {
    const [redis, edge, stub] = await Promise.all([
      RedisServer.start(),
      EdgeServer.start(),
      FeatureStub.start({ signingSecret: EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET }),
    ]);
    return new TestStack(redis, edge, stub);
  }

  /** Registers a queue named `<label>-<random>` at the edge, served by the stub; returns the name. */
  async register(label: string, input: RegistrationInput = {}): Promise<string> {
    const name = `${label}-${randomUUID().slice(0, 8)}`;
    await this.edge.putRegistration(name, { endpoint: this.stub.url, ...DEFAULT_REGISTRATION, ...input });
    return name;
  }

  /** Registers a queue as `register` does and resolves once `bridge` runs a worker for it: a producer's Queue, closed with the stack. */
  async registerRunning(label: string, input: RegistrationInput, bridge: { status(): Promise<{ workers: BridgeWorkerStatus[] }> }): Promise<Queue> {
    const name = await this.register(label, input);
    await waitFor(async () => (await bridge.status()).workers.some((w) => w.queue === name && w.running), { what: `a worker for ${name}` });
    const queue = new Queue(name, { connection: this.connection });
    this.#queues.push(queue);
    return queue;
  }

  async close(): Promise<void> {
    await Promise.all(this.#queues.map((queue) => queue.close()));
    this.connection.disconnect();
    await Promise.all([this.edge.close(), this.stub.close(), this.redis.close()]);
  }
}

/** The jobs as stored once every one is completed or failed. */
export const finishedJobs = (queue: Queue, ids: string[], timeoutMs = 20_000): Promise<Job[]> =>
  waitFor(
    async () => {
      const jobs = await Promise.all(ids.map((id) => Job.fromId(queue, id)));
      return jobs.every((job) => job?.finishedOn) ? (jobs as Job[]) : undefined;
    },
    { timeoutMs, what: `${ids.length} job(s) of ${queue.name} to finish` },
  );
