// Signers for feature calls, one per queue: its key from FEATURE_SIGNING_SECRET and, while
// FEATURE_SIGNING_SECRET_NEXT is set, the next key as a second v1. Derived once per isolate and
// queue (two HMACs and key imports), kept for the most recently used queues.

import { queueKey } from '../../src/feature-keys.ts';
import { RotatingSigner, SignatureVerifier } from '../../src/signing.ts';
import { rotatingSecret, type EdgeVars } from '../config.ts';

/** Far above the queues one isolate dispatches for; bounds memory if queue names churn. */
const MAX_CACHED_SIGNERS = 1_000;

interface QueueKeys {
  signer: RotatingSigner;
  /** Checks what the queue's feature signs with the same keys (its completion callbacks). */
  verifier: SignatureVerifier;
}

const cache = new Map<string, Promise<QueueKeys>>();

const derive = async (current: string, next: string | undefined, queueName: string): Promise<QueueKeys> => {
  const key = await queueKey(current, queueName);
  const nextKey = next === undefined ? undefined : await queueKey(next, queueName);
  return { signer: new RotatingSigner(key, nextKey), verifier: new SignatureVerifier({ currentSecret: key, nextSecret: nextKey }) };
};

/** `queueName`'s keys, as signer and verifier; 503 when the signing secrets are unusable. */
const queueKeys = (env: EdgeVars, queueName: string): Promise<QueueKeys> => {
  const { current, next } = rotatingSecret(env, 'FEATURE_SIGNING_SECRET');
  const cacheKey = `${current}\u0000${next ?? ''}\u0000${queueName}`;
  let keys = cache.get(cacheKey);
  if (keys) {
    // Re-inserted so the map's order is least recently used first.
    cache.delete(cacheKey);
  } else {
    keys = derive(current, next, queueName);
    if (cache.size >= MAX_CACHED_SIGNERS) cache.delete(cache.keys().next().value as string);
  }
  cache.set(cacheKey, keys);
  return keys;
};

/** The signer of `queueName`'s feature calls. */
export const featureSigner = async (env: EdgeVars, queueName: string): Promise<RotatingSigner> => (await queueKeys(env, queueName)).signer;

/** The verifier of what `queueName`'s feature signs (completion callbacks). */
export const featureVerifier = async (env: EdgeVars, queueName: string): Promise<SignatureVerifier> => (await queueKeys(env, queueName)).verifier;
