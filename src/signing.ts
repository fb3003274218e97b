// HMAC-SHA256 request signatures (ARCHITECTURE.md): `X-Queue-Signature: t=<unix seconds>,v1=<hex>`.
// Bridge → edge signs "<t>.<METHOD>.<path>.<raw body>"; edge → feature signs "<t>.<raw body>".
// Web Crypto only, so the same code runs in workerd and Node.

import { SIGNATURE_TOLERANCE_SECONDS } from './protocol.ts';

const encoder = new TextEncoder();
const HEX_PATTERN = /^(?:[0-9a-f]{2})+$/;

export const bridgeSigningPayload = (t: number, method: string, path: string, body: string): string =>
  `${t}.${method.toUpperCase()}.${path}.${body}`;

export const featureSigningPayload = (t: number, body: string): string => `${t}.${body}`;

const unixNow = (): number => Math.floor(Date.now() / 1000);

const importHmacKey = (secret: string): Promise<CryptoKey> =>
  crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);

const toHex = (buffer: ArrayBuffer): string =>
  Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, '0')).join('');

const fromHex = (hex: string): Uint8Array<ArrayBuffer> | undefined => {
  if (!HEX_PATTERN.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
};

/** Signs payloads with one secret; the imported key is kept so hot paths pay for it once. */
export class Signer {
  readonly #key: Promise<CryptoKey>;

  constructor(secret: string) {
    if (!secret) throw new TypeError('Signer: secret must be a non-empty string');
    this.#key = importHmacKey(secret);
  }

  async sign(payload: string): Promise<string> {
    return toHex(await crypto.subtle.sign('HMAC', await this.#key, encoder.encode(payload)));
  }

  /** Header value for a bridge → edge request. */
  async signBridgeRequest(method: string, path: string, body: string, t: number = unixNow()): Promise<string> {
    return `t=${t},v1=${await this.sign(bridgeSigningPayload(t, method, path, body))}`;
  }

  /** Header value for an edge → feature call. */
  async signFeatureBody(body: string, t: number = unixNow()): Promise<string> {
    return `t=${t},v1=${await this.sign(featureSigningPayload(t, body))}`;
  }
}

export type VerifyFailure = 'missing' | 'malformed' | 'expired' | 'mismatch';

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: VerifyFailure };

export interface SignatureVerifierOptions {
  currentSecret: string;
  /** Accepted as well while secrets rotate. */
  nextSecret?: string;
  toleranceSeconds?: number;
}

export interface ParsedSignature {
  timestamp: number;
  signatures: Uint8Array<ArrayBuffer>[];
}

export const parseSignatureHeader = (header: string): ParsedSignature | undefined => {
  let timestamp: number | undefined;
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1') {
      const bytes = fromHex(value.toLowerCase());
      if (bytes) signatures.push(bytes);
    }
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
};

/**
 * Verifies `X-Queue-Signature` headers: current secret, then next. Comparison happens inside
 * `crypto.subtle.verify`, which is constant-time.
 */
export class SignatureVerifier {
  readonly #keys: Promise<CryptoKey>[];
  readonly #toleranceSeconds: number;

  constructor({ currentSecret, nextSecret, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS }: SignatureVerifierOptions) {
    if (!currentSecret) throw new TypeError('SignatureVerifier: currentSecret must be a non-empty string');
    this.#keys = [currentSecret, nextSecret].filter((s): s is string => Boolean(s)).map(importHmacKey);
    this.#toleranceSeconds = toleranceSeconds;
  }

  /** `payloadFor(t)` builds the signed string for the header's timestamp. */
  async verify(header: string | null | undefined, payloadFor: (t: number) => string, now = unixNow()): Promise<VerifyResult> {
    if (!header) return { ok: false, reason: 'missing' };
    const parsed = parseSignatureHeader(header);
    if (!parsed) return { ok: false, reason: 'malformed' };
    if (Math.abs(now - parsed.timestamp) > this.#toleranceSeconds) return { ok: false, reason: 'expired' };
    const data = encoder.encode(payloadFor(parsed.timestamp));
    for (const key of this.#keys) {
      for (const signature of parsed.signatures) {
        if (await crypto.subtle.verify('HMAC', await key, signature, data)) return { ok: true, timestamp: parsed.timestamp };
      }
    }
    return { ok: false, reason: 'mismatch' };
  }

  verifyBridgeRequest(header: string | null | undefined, method: string, path: string, body: string, now?: number): Promise<VerifyResult> {
    return this.verify(header, (t) => bridgeSigningPayload(t, method, path, body), now);
  }

  verifyFeatureBody(header: string | null | undefined, body: string, now?: number): Promise<VerifyResult> {
    return this.verify(header, (t) => featureSigningPayload(t, body), now);
  }
}
