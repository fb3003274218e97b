// Cancels reach whichever bridge replica runs the job: the bridge that takes the operator's request
// publishes `{queue, jobId}` on one Redis channel, and every bridge (itself included) aborts that job
// if one of its workers holds it. One subscriber connection per bridge; nothing per job.

import { isPlainObject, parseJsonOrUndefined } from '../../src/json.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis.ts';

const CHANNEL_SUFFIX = 'queue-worker:cancel';

export interface CancelRequest {
  queue: string;
  jobId: string;
}

const parseRequest = (message: string): CancelRequest | undefined => {
  const value = parseJsonOrUndefined(message);
  return isPlainObject(value) && typeof value.queue === 'string' && typeof value.jobId === 'string' ? { queue: value.queue, jobId: value.jobId } : undefined;
};

export class CancelBus {
  readonly #publisher: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #channel: string;

  /** `subscriber` becomes this bus's own (subscribed) connection; `publisher` is the shared one. */
  constructor(publisher: RedisClient, subscriber: RedisClient, queuePrefix: string, onCancel: (request: CancelRequest) => void, logger: Logger) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    // Under the BullMQ prefix, so bridges of another deployment sharing the Redis never hear it.
    this.#channel = `${queuePrefix}:${CHANNEL_SUFFIX}`;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      const request = parseRequest(message);
      if (request) onCancel(request);
      else logger.warn('ignored a malformed cancel message', { channel });
    });
    // ioredis subscribes again by itself after a reconnect.
    subscriber.subscribe(this.#channel).catch((error: unknown) => logger.warn('could not subscribe to cancels; will retry on reconnect', { error }));
  }

  /** Tells every bridge; resolves with how many bridges listened. */
  publish(request: CancelRequest): Promise<number> {
    return this.#publisher.publish(this.#channel, JSON.stringify(request));
  }

  close(): void {
    this.#subscriber.disconnect();
  }
}
