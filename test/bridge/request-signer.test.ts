// The bridge signs with node:crypto; the edge verifies with Web Crypto (src/signing.ts). Every
// method, path and body — any Unicode — must give the header the shared Signer gives, and verify.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestSigner } from '../../bridge/request-signer.ts';
import { SignatureVerifier, Signer } from '../../src/signing.ts';

const SECRET = 'request-signer-test-secret';

describe('RequestSigner', () => {
  it('signs exactly as the shared Web Crypto Signer, and the edge’s verifier accepts it', async () => {
    const shared = new Signer(SECRET);
    const verifier = new SignatureVerifier({ currentSecret: SECRET });
    const signer = new RequestSigner(SECRET);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'put'), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), fc.integer({ min: 0, max: 2 ** 31 }), async (method, path, body, t) => {
        const header = signer.signBridgeRequest(method, path, body, t);
        expect(header).toBe(await shared.signBridgeRequest(method, path, body, t));
        expect(await verifier.verifyBridgeRequest(header, method, path, body, t)).toMatchObject({ ok: true, timestamp: t });
      }),
    );
  });

  it('refuses an empty secret at construction', () => {
    expect(() => new RequestSigner('')).toThrow(TypeError);
  });
});
