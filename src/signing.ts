// HMAC-SHA256 request signatures (ARCHITECTURE.md): `X-Queue-Signature: t=<unix seconds>,v1=<hex>`.
// Bridge → edge signs "<t>.<METHOD>.<path>.<raw body>"; edge → feature signs "<t>.<raw body>".
// Web Crypto only, so the same code runs in workerd and Node.

import { toHex } from './hex.ts';
import { SIGNATURE_TOLERANCE_SECONDS } from './protocol.ts';

const encoder = new TextEncoder();

export const bridgeSigningPayload = (t: number, method: string, path: string, body: string): string =>
  `${t}.${method.toUpperCase()}.${path}.${body}`;

export const featureSigningPayload = (t: number, body: string): string => `${t}.${body}`;

const unixNow = (): number => Math.floor(Date.now() / 1000);

const importHmacKey = (secret: string): Promise<CryptoKey> =>
  crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);

const DIGIT_0 = 48;
const LETTER_A = 97;
/** The value of one lowercase hex digit's character code. */
const nibble = (code: number): number => (code >= LETTER_A ? code - LETTER_A + 10 : code - DIGIT_0);

/** `hex` is even-length lowercase hex (checked by the caller). */
const fromHex = (hex: string): Uint8Array<ArrayBuffer> => {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (nibble(hex.charCodeAt(i * 2)) << 4) | nibble(hex.charCodeAt(i * 2 + 1));
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

/**
 * Signs feature calls with a key and, while keys rotate, its successor: one v1 each over the same
 * t, so a verifier holding either key accepts the call.
 */
export class RotatingSigner {
  readonly #signers: Signer[];

  constructor(current: string, next?: string) {
    this.#signers = [current, next].filter((key): key is string => key !== undefined).map((key) => new Signer(key));
  }

  async signFeatureBody(body: string, t: number = unixNow()): Promise<string> {
    const payload = featureSigningPayload(t, body);
    const macs = await Promise.all(this.#signers.map((signer) => signer.sign(payload)));
    return [`t=${t}`, ...macs.map((mac) => `v1=${mac}`)].join(',');
  }
}

export type VerifyFailure = 'missing' | 'malformed' | 'expired' | 'mismatch';

/**
 * On success, `signature` is the matching MAC as lowercase hex: the same however the header was
 * spelled (order, case, a second v1), so it identifies the signed request for replay checks.
 */
export type VerifyResult = { ok: true; timestamp: number; signature: string } | { ok: false; reason: VerifyFailure };

/** A header whose format and timestamp passed: only the HMAC is left to check. */
export type HeaderCheck = { ok: true; signature: ParsedSignature } | { ok: false; reason: VerifyFailure };

export interface SignatureVerifierOptions {
  currentSecret: string;
  /** Accepted as well while secrets rotate. */
  nextSecret?: string;
  toleranceSeconds?: number;
}

export interface ParsedSignature {
  timestamp: number;
  /** One or two candidate MACs (one per key while the signer rotates). */
  signatures: Uint8Array<ArrayBuffer>[];
}

/** A signer holding the current and the next key sends one v1 each; more is never legitimate. */
export const MAX_SIGNATURES = 2;
/** `t=<12 digits>` and two `v1=<64 hex>` with a little whitespace fit well within this. */
const MAX_HEADER_LENGTH = 256;
const TIMESTAMP_PATTERN = /^\d{1,12}$/;
const MAC_PATTERN = /^[0-9a-fA-F]{64}$/;

/**
 * `t=<unix seconds>,v1=<64 hex>[,v1=<64 hex>]`, parts in any order: exactly one t, one or two v1.
 * Anything else is undefined (malformed), decided before any HMAC is computed.
 */
export const parseSignatureHeader = (header: string): ParsedSignature | undefined => {
  if (header.length > MAX_HEADER_LENGTH) return undefined;
  let timestamp: number | undefined;
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator === -1) return undefined;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't' && timestamp === undefined && TIMESTAMP_PATTERN.test(value)) timestamp = Number(value);
    else if (key === 'v1' && signatures.length < MAX_SIGNATURES && MAC_PATTERN.test(value)) signatures.push(fromHex(value.toLowerCase()));
    else return undefined;
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
};

/** Constant-time for equal lengths (MACs always are); a length difference says nothing secret. */
const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
};

/**
 * Verifies `X-Queue-Signature` headers: the current secret, then the next. Each key's MAC is
 * computed once and compared in constant time with every candidate, so a request costs at most one
 * HMAC per key however it is forged.
 */
export class SignatureVerifier {
  readonly #keys: Promise<CryptoKey>[];
  readonly #toleranceSeconds: number;

  constructor({ currentSecret, nextSecret, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS }: SignatureVerifierOptions) {
    if (!currentSecret) throw new TypeError('SignatureVerifier: currentSecret must be a non-empty string');
    this.#keys = [currentSecret, nextSecret].filter((s): s is string => Boolean(s)).map(importHmacKey);
    this.#toleranceSeconds = toleranceSeconds;
  }

  /** When a signature made at `timestamp` stops being accepted (ms): how long a replay guard must remember it. */
  validUntil(timestamp: number): number {
    return (timestamp + this.#toleranceSeconds) * 1000;
  }

  /** Format and time window only: cheap, so it runs before a body is read. */
  checkHeader(header: string | null | undefined, now = unixNow()): HeaderCheck {
    if (!header) return { ok: false, reason: 'missing' };
    const signature = parseSignatureHeader(header);
    if (!signature) return { ok: false, reason: 'malformed' };
    if (Math.abs(now - signature.timestamp) > this.#toleranceSeconds) return { ok: false, reason: 'expired' };
    return { ok: true, signature };
  }

  /** The HMAC check of a header `checkHeader` passed, over `payload` (built for its timestamp). */
  async verifyPayload({ timestamp, signatures }: ParsedSignature, payload: string): Promise<VerifyResult> {
    const data = encoder.encode(payload);
    for (const key of this.#keys) {
      const expected = await crypto.subtle.sign('HMAC', await key, data);
      if (signatures.some((signature) => equalBytes(new Uint8Array(expected), signature))) return { ok: true, timestamp, signature: toHex(expected) };
    }
    return { ok: false, reason: 'mismatch' };
  }

  /** `payloadFor(t)` builds the signed string for the header's timestamp. */
  async verify(header: string | null | undefined, payloadFor: (t: number) => string, now = unixNow()): Promise<VerifyResult> {
    const checked = this.checkHeader(header, now);
    if (!checked.ok) return checked;
    return this.verifyPayload(checked.signature, payloadFor(checked.signature.timestamp));
  }

  verifyBridgeRequest(header: string | null | undefined, method: string, path: string, body: string, now?: number): Promise<VerifyResult> {
    return this.verify(header, (t) => bridgeSigningPayload(t, method, path, body), now);
  }

  verifyFeatureBody(header: string | null | undefined, body: string, now?: number): Promise<VerifyResult> {
    return this.verify(header, (t) => featureSigningPayload(t, body), now);
  }
}
