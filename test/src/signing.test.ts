import { afterEach, describe, expect, it, vi } from 'vitest';
import { SIGNATURE_TOLERANCE_SECONDS } from '../../src/protocol.ts';
import { SignatureVerifier, Signer, bridgeSigningPayload, featureSigningPayload, parseSignatureHeader } from '../../src/signing.ts';

const T = 1_800_000_000;
const BODY = JSON.stringify({ jobId: 'job-1', queueName: 'email', data: { to: 'ada@example.com' }, attemptsMade: 0 });

const current = new Signer('current-secret');
const next = new Signer('next-secret');
const verifier = new SignatureVerifier({ currentSecret: 'current-secret' });
const rotating = new SignatureVerifier({ currentSecret: 'current-secret', nextSecret: 'next-secret' });
/** `n` well-formed MACs that match nothing. */
const bogus = (n: number): string => Array.from({ length: n }, (_, i) => `v1=${i.toString(16).padStart(64, 'b')}`).join(',');

describe('signed payloads', () => {
  it('are "<t>.<METHOD>.<path>.<body>" for the bridge and "<t>.<body>" for features', () => {
    expect(bridgeSigningPayload(T, 'post', '/internal/dispatch', '{}')).toBe(`${T}.POST./internal/dispatch.{}`);
    expect(bridgeSigningPayload(T, 'GET', '/internal/registrations', '')).toBe(`${T}.GET./internal/registrations.`);
    expect(featureSigningPayload(T, '{}')).toBe(`${T}.{}`);
  });

  it('are HMAC-SHA256 in lowercase hex (RFC 4231 test case 2)', async () => {
    expect(await new Signer('Jefe').sign('what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('carry the timestamp and one v1 signature in the header', async () => {
    const header = await current.signFeatureBody(BODY, T);
    expect(header).toMatch(new RegExp(`^t=${T},v1=[0-9a-f]{64}$`));
    expect(header).toBe(`t=${T},v1=${await current.sign(featureSigningPayload(T, BODY))}`);
  });

  it('refuse an empty secret', () => {
    expect(() => new Signer('')).toThrow(TypeError);
    expect(() => new SignatureVerifier({ currentSecret: '' })).toThrow(TypeError);
  });
});

describe('SignatureVerifier', () => {
  it('accepts a bridge request signed with the current secret', async () => {
    const header = await current.signBridgeRequest('POST', '/internal/dispatch', BODY, T);
    expect(await verifier.verifyBridgeRequest(header, 'POST', '/internal/dispatch', BODY, T + 10)).toMatchObject({ ok: true, timestamp: T });
  });

  it('accepts a feature body signed with the current secret', async () => {
    const header = await current.signFeatureBody(BODY, T);
    expect(await verifier.verifyFeatureBody(header, BODY, T)).toMatchObject({ ok: true, timestamp: T });
  });

  it('signs and verifies at the current time by default', async () => {
    expect(await verifier.verifyFeatureBody(await current.signFeatureBody(BODY), BODY)).toMatchObject({ ok: true });
    expect(await verifier.verifyBridgeRequest(await current.signBridgeRequest('GET', '/internal/registrations', ''), 'GET', '/internal/registrations', '')).toMatchObject({ ok: true });
  });

  it('accepts the next secret while secrets rotate, and only then', async () => {
    const header = await next.signFeatureBody(BODY, T);
    expect(await rotating.verifyFeatureBody(header, BODY, T)).toMatchObject({ ok: true, timestamp: T });
    expect(await rotating.verifyFeatureBody(await current.signFeatureBody(BODY, T), BODY, T)).toMatchObject({ ok: true, timestamp: T });
    expect(await verifier.verifyFeatureBody(header, BODY, T)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts a header carrying two v1 signatures when one of them matches', async () => {
    const good = await current.sign(featureSigningPayload(T, BODY));
    const bad = await new Signer('other').sign(featureSigningPayload(T, BODY));
    expect(await verifier.verifyFeatureBody(`t=${T},v1=${bad},v1=${good}`, BODY, T)).toMatchObject({ ok: true });
    expect(await verifier.verifyFeatureBody(`t=${T}, v1=${good.toUpperCase()}`, BODY, T)).toMatchObject({ ok: true });
  });

  it('rejects a wrong secret', async () => {
    const header = await new Signer('wrong-secret').signBridgeRequest('POST', '/internal/dispatch', BODY, T);
    expect(await rotating.verifyBridgeRequest(header, 'POST', '/internal/dispatch', BODY, T)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a signature over another body, path, method or time', async () => {
    const header = await current.signBridgeRequest('POST', '/internal/dispatch', BODY, T);
    expect(await verifier.verifyBridgeRequest(header, 'POST', '/internal/dispatch', `${BODY} `, T)).toEqual({ ok: false, reason: 'mismatch' });
    expect(await verifier.verifyBridgeRequest(header, 'POST', '/internal/heartbeat', BODY, T)).toEqual({ ok: false, reason: 'mismatch' });
    expect(await verifier.verifyBridgeRequest(header, 'PUT', '/internal/dispatch', BODY, T)).toEqual({ ok: false, reason: 'mismatch' });
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(await verifier.verifyBridgeRequest(moved, 'POST', '/internal/dispatch', BODY, T)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('does not take a bridge signature for a feature one', async () => {
    const header = await current.signBridgeRequest('POST', '/internal/process-job', BODY, T);
    expect(await verifier.verifyFeatureBody(header, BODY, T)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects timestamps outside the 5-minute window, either way, and accepts its edges', async () => {
    expect(SIGNATURE_TOLERANCE_SECONDS).toBe(300);
    const header = await current.signFeatureBody(BODY, T);
    expect(await verifier.verifyFeatureBody(header, BODY, T + 300)).toMatchObject({ ok: true });
    expect(await verifier.verifyFeatureBody(header, BODY, T - 300)).toMatchObject({ ok: true });
    expect(await verifier.verifyFeatureBody(header, BODY, T + 301)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifier.verifyFeatureBody(header, BODY, T - 301)).toEqual({ ok: false, reason: 'expired' });
  });

  it('honours a custom tolerance', async () => {
    const strict = new SignatureVerifier({ currentSecret: 'current-secret', toleranceSeconds: 5 });
    const header = await current.signFeatureBody(BODY, T);
    expect(await strict.verifyFeatureBody(header, BODY, T + 6)).toEqual({ ok: false, reason: 'expired' });
  });

  it.each([undefined, null, ''])('reports a missing header (%j)', async (header) => {
    expect(await verifier.verifyFeatureBody(header, BODY, T)).toEqual({ ok: false, reason: 'missing' });
  });

  it.each([
    'garbage',
    `t=${T}`,
    'v1=00ff',
    `t=abc,${bogus(1)}`,
    `t=-5,${bogus(1)}`,
    `t=${T},v1=`,
    `t=${T},v1=xyz0`,
    `t=${T},v1=abc`,
    `t=${T},v1=00ff`,
    `t=${T},v1=${'a'.repeat(63)}`,
    `t=${T},v1=${'a'.repeat(65)}`,
    `t=${T},v1=${'g'.repeat(64)}`,
    `t=${T},v0=00ff`,
    `t=${T},${bogus(1)},v0=00ff`,
    `t=${T},${bogus(1)},`,
    `t=${T},t=${T},${bogus(1)}`,
    `t=${T},${bogus(3)}`,
    `t=${T},${bogus(200)}`,
    `t=1234567890123,${bogus(1)}`,
  ])('reports the malformed header %j', async (header) => {
    expect(await verifier.verifyFeatureBody(header, BODY, T)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('cost of a verification', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is one HMAC per key, however many candidates the header carries', async () => {
    const sign = vi.spyOn(crypto.subtle, 'sign');
    expect(await rotating.verifyFeatureBody(`t=${T},${bogus(2)}`, BODY, T)).toEqual({ ok: false, reason: 'mismatch' });
    expect(sign).toHaveBeenCalledTimes(2);
  });

  it('is no HMAC at all for a malformed or stale header', async () => {
    const sign = vi.spyOn(crypto.subtle, 'sign');
    expect(await rotating.verifyFeatureBody(`t=${T},${bogus(200)}`, BODY, T)).toEqual({ ok: false, reason: 'malformed' });
    expect(await rotating.verifyFeatureBody(`t=${T - 400},${bogus(1)}`, BODY, T)).toEqual({ ok: false, reason: 'expired' });
    expect(sign).not.toHaveBeenCalled();
  });
});

describe('checkHeader', () => {
  it('passes format and window without touching the payload; verifyPayload then checks the MAC', async () => {
    const header = await current.signBridgeRequest('POST', '/internal/dispatch', BODY, T);
    const checked = verifier.checkHeader(header, T);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(await verifier.verifyPayload(checked.signature, bridgeSigningPayload(T, 'POST', '/internal/dispatch', BODY))).toMatchObject({ ok: true, timestamp: T });
    expect(await verifier.verifyPayload(checked.signature, bridgeSigningPayload(T, 'POST', '/internal/dispatch', '{}'))).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('the accepted signature', () => {
  it('is the matching MAC in lowercase hex, however the header spells it', async () => {
    const mac = await current.sign(featureSigningPayload(T, BODY));
    const spellings = [`t=${T},v1=${mac}`, `v1=${mac.toUpperCase()},t=${T}`, `t=${T},${bogus(1)}, v1=${mac}`];
    for (const header of spellings) expect(await verifier.verifyFeatureBody(header, BODY, T)).toEqual({ ok: true, timestamp: T, signature: mac });
  });
});

describe('parseSignatureHeader', () => {
  it('reads t and one or two 64-hex v1 values, in any order, either case', () => {
    const a = 'ab'.repeat(32);
    const b = 'CD'.repeat(32);
    const parsed = parseSignatureHeader(`v1=${a}, t=${T} ,v1=${b}`);
    expect(parsed?.timestamp).toBe(T);
    expect(parsed?.signatures.map((bytes) => Array.from(bytes))).toEqual([Array(32).fill(0xab), Array(32).fill(0xcd)]);
  });
});
