// The one place the createJobHandler fuzz knows how the handler is keyed and how the edge signs a
// call to it: per-queue keys (ARCHITECTURE: the key of queue q is hex(HMAC(secret, "queue-key:" + q))),
// the queue named in X-Queue-Name so the handler can pick its key.

import { queueKey } from '../../../src/feature-keys.ts';
import { createJobHandler, type JobHandlers } from '../../../src/handler/index.ts';
import { HEADER_QUEUE_NAME } from '../../../src/protocol.ts';
import { Signer } from '../../../src/signing.ts';

export const FUZZ_SIGNING_SECRET = 'fuzz-feature-signing-secret-0123';
export const OTHER_SIGNING_SECRET = 'another-teams-signing-secret-0123';

export const fuzzedJobHandler = async <Queues extends object>(handlers: JobHandlers<Queues>): Promise<(request: Request) => Promise<Response>> => {
  const names = Object.keys(handlers);
  const keys = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await queueKey(FUZZ_SIGNING_SECRET, name)])));
  return createJobHandler<Queues>({ handlers, keys: keys as { [Q in keyof Queues]: string } });
};

/** X-Queue-Signature of a call for `queueName` carrying `body`, as the edge makes it (`secret` to forge one). */
export const signJobCall = async (queueName: string, body: string, { t, secret = FUZZ_SIGNING_SECRET }: { t?: number; secret?: string } = {}): Promise<string> =>
  new Signer(await queueKey(secret, queueName)).signFeatureBody(body, t);

/** The headers the edge sends besides the signature that the handler relies on (a queue name no header can carry goes without). */
export const jobCallHeaders = (queueName: string): Record<string, string> => (/^[\x21-\x7e]+$/.test(queueName) ? { [HEADER_QUEUE_NAME]: queueName } : {});
