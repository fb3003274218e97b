// The soak's noisy neighbour (--noisy): one more queue, registered for a concurrency as large as
// the edge's other queues together, kept full of slow calls for the whole run by its own feature
// stub — image-gen's GPU jobs beside everyone's email. It is not reconciled: it is there so the
// report shows whether the other queues' latency moves while one queue saturates the edge.

import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EdgeServer } from '../support/edge.ts';
import { FeatureStub } from '../support/feature-stub.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { sleep } from '../support/wait.ts';

export const NOISY_CONCURRENCY = 200;
/** image-gen's GPU jobs in the issue: a minute each. */
export const DEFAULT_NOISY_CALL_MS = 60_000;
/** How often the feeder tops the queue up to a full round of waiting jobs. */
const FEED_INTERVAL_MS = 1_000;
const NO_RETRY = { attempts: 1, backoff: { type: 'fixed' as const, delayMs: 1_000, maxDelayMs: 1_000, jitter: 0 } };

export class NoisyQueue {
  readonly name: string;
  readonly callMs: number;
  readonly #stub: FeatureStub;
  readonly #queue: Queue;
  #feeding = true;
  #feeder: Promise<void> = Promise.resolve();

  private constructor(name: string, callMs: number, stub: FeatureStub, connection: Redis) {
    this.name = name;
    this.callMs = callMs;
    this.#stub = stub;
    this.#queue = new Queue(name, { connection });
  }

  /** Registers the queue at the edge and starts feeding it; the bridge picks it up by itself. */
  static async start({ edge, connection, tag, callMs }: { edge: EdgeServer; connection: Redis; tag: string; callMs: number }): Promise<NoisyQueue> {
    const stub = await FeatureStub.start({ signingSecret: EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET });
    const noisy = new NoisyQueue(`soak-${tag}-noisy`, callMs, stub, connection);
    stub.script(noisy.name, [{ delayMs: callMs }]);
    await edge.putRegistration(noisy.name, { endpoint: stub.url, concurrency: NOISY_CONCURRENCY, timeoutMs: callMs + 10_000, retry: NO_RETRY });
    noisy.#feeder = noisy.#feed();
    return noisy;
  }

  /** Its feature's figures: calls received and the most in flight at once. */
  stats(): { calls: number; peak: number } {
    const { count, maxInFlight } = this.#stub.stats(this.name);
    return { calls: count, peak: maxInFlight };
  }

  async close(): Promise<void> {
    this.#feeding = false;
    await this.#feeder;
    await this.#queue.close();
    await this.#stub.close();
  }

  async #feed(): Promise<void> {
    while (this.#feeding) {
      try {
        if ((await this.#queue.getWaitingCount()) < NOISY_CONCURRENCY) {
          await this.#queue.addBulk(Array.from({ length: NOISY_CONCURRENCY }, () => ({ name: 'noisy', data: {} })));
        }
      } catch {
        // Redis restarts on the fault schedule; the next round tops up.
      }
      await sleep(FEED_INTERVAL_MS);
    }
  }
}
