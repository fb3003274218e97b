// The signer for feature calls, kept per isolate so its HMAC key is imported once.

import { Signer } from '../../src/signing.ts';
import { rotatingSecret, type EdgeVars } from '../config.ts';

const signers = new Map<string, Signer>();

export const featureSigner = (env: EdgeVars): Signer => {
  const { current } = rotatingSecret(env, 'FEATURE_SIGNING_SECRET');
  let signer = signers.get(current);
  if (!signer) {
    signer = new Signer(current);
    signers.set(current, signer);
  }
  return signer;
};
