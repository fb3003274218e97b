// Per-queue feature keys (ARCHITECTURE "Dispatch"): the key for queue `q` is
// hex(HMAC-SHA256(FEATURE_SIGNING_SECRET, "queue-key:" + q)), and that 64-character hex text is the
// HMAC key of q's feature calls. A feature team holds only its queues' keys, so it can verify its
// own calls and forge nobody else's; the platform secret never leaves the edge.

import { Signer } from './signing.ts';

const KEY_CONTEXT = 'queue-key:';
const QUEUE_KEY_PATTERN = /^[0-9a-f]{64}$/;

export const isQueueKey = (value: unknown): value is string => typeof value === 'string' && QUEUE_KEY_PATTERN.test(value);

/** The key of `queueName`'s feature calls, derived from the platform's signing secret. */
export const queueKey = (signingSecret: string, queueName: string): Promise<string> => new Signer(signingSecret).sign(`${KEY_CONTEXT}${queueName}`);
