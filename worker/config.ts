// Per-request access to the edge's configuration, with a clear 503 naming what is missing.

import type { EndpointPolicyOptions } from '../src/endpoint-policy.ts';
import type { RegistrationDefaults } from '../src/protocol.ts';
import { parseRegistrationDefaults } from '../src/registration.ts';
import { Signer } from '../src/signing.ts';
import { ApiError } from './errors.ts';

export const registrationDefaults = (env: Env): RegistrationDefaults => {
  const parsed = parseRegistrationDefaults(env as unknown as Record<string, string | undefined>);
  if (!parsed.ok) {
    throw new ApiError(503, 'not_configured', `the edge's vars are invalid: ${parsed.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, {
      details: parsed.errors,
    });
  }
  return parsed.value;
};

const signers = new Map<string, Signer>();

/** The signer for feature calls; kept per isolate so the HMAC key is imported once. */
export const featureSigner = (env: Env): Signer => {
  const secret = env.FEATURE_SIGNING_SECRET;
  if (!secret) throw new ApiError(503, 'not_configured', 'the edge has no FEATURE_SIGNING_SECRET secret set');
  let signer = signers.get(secret);
  if (!signer) {
    signer = new Signer(secret);
    signers.set(secret, signer);
  }
  return signer;
};

/**
 * The endpoint policy for one request: ALLOW_PRIVATE_ENDPOINTS (only the exact string 'true'
 * enables it; production leaves it unset) and the edge's own origin as this request reached it.
 */
export const endpointPolicy = (env: { ALLOW_PRIVATE_ENDPOINTS?: string }, requestUrl: string): EndpointPolicyOptions => ({
  allowPrivateEndpoints: env.ALLOW_PRIVATE_ENDPOINTS === 'true',
  selfOrigin: new URL(requestUrl).origin,
});
