// The one place the createJobHandler fuzz knows how the handler is keyed and how the edge signs a
// call to it. Today every feature holds FEATURE_SIGNING_SECRET (`signingSecret`); when the options
// become per-queue `keys` (ARCHITECTURE: the key of queue q is hex(HMAC(secret, "queue-key:" + q))),
// change `fuzzedJobHandler` and `signJobCall` here and nothing else.

import { createJobHandler, type JobHandlers } from '../../../src/handler/index.ts';
import { Signer } from '../../../src/signing.ts';

export const FUZZ_SIGNING_SECRET = 'fuzz-feature-signing-secret-0123';
export const OTHER_SIGNING_SECRET = 'another-teams-signing-secret-0123';

export const fuzzedJobHandler = <Queues extends object>(handlers: JobHandlers<Queues>): ((request: Request) => Promise<Response>) =>
  createJobHandler<Queues>({ handlers, signingSecret: FUZZ_SIGNING_SECRET });

/** X-Queue-Signature of a call for `queueName` carrying `body`, as the edge makes it (`secret` to forge one). */
export const signJobCall = (_queueName: string, body: string, { t, secret = FUZZ_SIGNING_SECRET }: { t?: number; secret?: string } = {}): Promise<string> =>
  new Signer(secret).signFeatureBody(body, t);
