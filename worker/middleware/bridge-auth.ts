// Verifies the bridge's `X-Queue-Signature` over "<t>.<METHOD>.<path>.<raw body>" (BRIDGE_SECRET,
// then BRIDGE_SECRET_NEXT) and keeps the raw body for the handler. The header's format and time
// window are checked before the body is read, so a forged request costs neither the read nor an HMAC.

import { createMiddleware } from 'hono/factory';
import { HEADER_SIGNATURE } from '../../src/protocol.ts';
import { VERIFY_FAILURE_MESSAGES } from '../../src/signature-failures.ts';
import { bridgeSigningPayload, SignatureVerifier } from '../../src/signing.ts';
import { rotatingSecret, type RotatingSecret } from '../config.ts';
import { UnauthorizedError } from '../errors.ts';
import type { AppEnv } from '../env.ts';
import { readRawBody } from '../http/read-body.ts';

const verifiers = new Map<string, SignatureVerifier>();

const verifierFor = ({ current, next }: RotatingSecret): SignatureVerifier => {
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
    const verifier = verifierFor(rotatingSecret(c.env, 'BRIDGE_SECRET'));
    const checked = verifier.checkHeader(c.req.header(HEADER_SIGNATURE));
    if (!checked.ok) throw new UnauthorizedError(VERIFY_FAILURE_MESSAGES[checked.reason]);
    const rawBody = await readRawBody(c, limitBytes, { strictUtf8: false });
    const { timestamp } = checked.signature;
    const verified = await verifier.verifyPayload(checked.signature, bridgeSigningPayload(timestamp, c.req.method, c.req.path, rawBody));
    if (!verified.ok) throw new UnauthorizedError(VERIFY_FAILURE_MESSAGES[verified.reason]);
    c.set('rawBody', rawBody);
    c.set('signature', { mac: verified.signature, validUntil: verifier.validUntil(timestamp) });
    await next();
  });
