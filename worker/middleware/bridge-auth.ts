// Verifies the bridge's `X-Queue-Signature` over "<t>.<METHOD>.<path>.<raw body>" (BRIDGE_SECRET,
// then BRIDGE_SECRET_NEXT) and keeps the raw body for the handler.

import { createMiddleware } from 'hono/factory';
import { HEADER_SIGNATURE } from '../../src/protocol.ts';
import { SignatureVerifier, type VerifyFailure } from '../../src/signing.ts';
import { rotatingSecret } from '../config.ts';
import { UnauthorizedError } from '../errors.ts';
import type { AppEnv } from '../env.ts';
import { readRawBody } from '../http/read-body.ts';

const FAILURE_MESSAGES: Record<VerifyFailure, string> = {
  missing: `missing ${HEADER_SIGNATURE} header`,
  malformed: `malformed ${HEADER_SIGNATURE} header; expected t=<unix seconds>,v1=<hex>`,
  expired: 'signature timestamp is outside the 5-minute window',
  mismatch: 'signature does not match',
};

const verifiers = new Map<string, SignatureVerifier>();

const verifierFor = (current: string, next: string | undefined): SignatureVerifier => {
  const key = `${current}\u0000${next ?? ''}`;
  let verifier = verifiers.get(key);
  if (!verifier) {
    verifier = new SignatureVerifier({ currentSecret: current, nextSecret: next });
    verifiers.set(key, verifier);
  }
  return verifier;
};

export const bridgeAuth = (limitBytes: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const secret = rotatingSecret(c.env, 'BRIDGE_SECRET');
    const rawBody = await readRawBody(c, limitBytes);
    const verifier = verifierFor(secret.current, secret.next);
    const result = await verifier.verifyBridgeRequest(c.req.header(HEADER_SIGNATURE), c.req.method, c.req.path, rawBody);
    if (!result.ok) throw new UnauthorizedError(FAILURE_MESSAGES[result.reason]);
    c.set('rawBody', rawBody);
    await next();
  });
