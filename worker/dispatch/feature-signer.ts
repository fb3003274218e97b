// Signers for feature calls, one per queue: its key from FEATURE_SIGNING_SECRET and, while
// FEATURE_SIGNING_SECRET_NEXT is set, the next key as a second v1. Derived once per isolate and
// queue (two HMACs and key imports), kept for the most recently used queues.

import { queueKey } from '../../src/feature-keys.ts';
import { RotatingSigner } from '../../src/signing.ts';
import { rotatingSecret, type EdgeVars } from '../config.ts';

/** Far above the queues one isolate dispatches for; bounds memory if queue names churn. */
const MAX_CACHED_SIGNERS = 1_000;

const signers = new Map<string, Promise<RotatingSigner>>();

const derive = async (current: string, next: string | undefined, queueName: string): Promise<RotatingSigner> =>
  new RotatingSigner(await queueKey(current, queueName), next === undefined ? undefined : await queueKey(next, queueName));

/** The signer of `queueName`'s feature calls; 503 when the signing secrets are unusable. */
export const featureSigner = (env: EdgeVars, queueName: string): Promise<RotatingSigner> => {
  const { current, next } = rotatingSecret(env, 'FEATURE_SIGNING_SECRET');
  const cacheKey = `${current}\u0000${next ?? ''}\u0000${queueName}`;
  let signer = signers.get(cacheKey);
  if (signer) {
    // Re-inserted so the map's order is least recently used first.
    signers.delete(cacheKey);
  } else {
    signer = derive(current, next, queueName);
    if (signers.size >= MAX_CACHED_SIGNERS) signers.delete(signers.keys().next().value as string);
  }
  signers.set(cacheKey, signer);
  return signer;
};
