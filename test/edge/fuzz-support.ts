// What the edge fuzz files share: the case count (FUZZ_RUNS binding), sending a request and reading
// the whole answer, the properties every answer must hold, and bridge-signature variants signed
// (or feature-key signatures) for real so the fuzz reaches the handlers.

import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { ErrorBody } from '../../src/protocol.ts';
import { fuzzRuns } from '../support/fuzz.ts';
import { abbreviate, withExtraV1, type Body } from '../support/fuzz-arbitraries.ts';
import { bridgeSignature, edgeFetch } from './helpers.ts';

export const runs = (defaultRuns: number): number => fuzzRuns(defaultRuns, env.FUZZ_RUNS);

export interface Answer {
  method: string;
  path: string;
  status: number;
  contentType: string | null;
  text: string;
}

/** Sends one request and reads the whole answer (a stream that breaks half way fails here). */
export const send = async (method: string, path: string, headers: Record<string, string | undefined>, body?: Body): Promise<Answer> => {
  const init: RequestInit = { method, headers: Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined)) };
  if (body !== undefined && method !== 'GET' && method !== 'HEAD') init.body = body;
  const response = await edgeFetch(path, init);
  return { method, path, status: response.status, contentType: response.headers.get('Content-Type'), text: await response.text() };
};

export const describeAnswer = (answer: Answer): string => abbreviate(`${answer.method} ${answer.path} → ${answer.status}: ${answer.text}`).slice(0, 400);

/** The error of an answer in the edge's JSON error shape; fails on any other shape. */
export const errorOf = (answer: Answer): ErrorBody['error'] => {
  expect(answer.contentType, `${answer.method} ${answer.path} → ${answer.status}: content type`).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as Partial<ErrorBody>;
  expect(body.error, describeAnswer(answer)).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  return body.error as ErrorBody['error'];
};

/**
 * Never a 5xx from a bad request (a 503 `not_configured` only where `notConfiguredAllowed`: config
 * the test leaves out on purpose), and every error in the JSON error shape.
 */
export const expectWellBehaved = (answer: Answer, { notConfiguredAllowed = false } = {}): void => {
  const summary = describeAnswer(answer);
  if (answer.status >= 500) {
    expect(notConfiguredAllowed && answer.status === 503, summary).toBe(true);
    expect(errorOf(answer).code, summary).toBe('not_configured');
  }
  if (answer.status >= 400 && answer.method !== 'HEAD') errorOf(answer);
};

// ---- signatures -------------------------------------------------------------------------------

/** How a request is signed; only the first three may be accepted (ARCHITECTURE: at most two v1 values). */
export const ACCEPTED_SIGNATURES = ['valid', 'valid-twice', 'valid-and-one-bogus'] as const;
const REFUSED_SIGNATURES = ['absent', 'empty', 'wrong-secret', 'expired', 'future', 'other-path', 'other-method', 'malformed', 'valid-and-many-bogus'] as const;
export type SignatureKind = (typeof ACCEPTED_SIGNATURES)[number] | (typeof REFUSED_SIGNATURES)[number];

export const signatureKind: fc.Arbitrary<SignatureKind> = fc.oneof(
  { arbitrary: fc.constant('valid' as const), weight: 6 },
  { arbitrary: fc.constantFrom(...ACCEPTED_SIGNATURES, ...REFUSED_SIGNATURES), weight: 4 },
);

export const isAcceptedSignature = (kind: SignatureKind): boolean => (ACCEPTED_SIGNATURES as readonly string[]).includes(kind);

const unixNow = (): number => Math.floor(Date.now() / 1000);

export interface SignatureOptions {
  /** How many bogus v1 values 'valid-and-many-bogus' adds. */
  bogusCount?: number;
  /** The key that signs: the bridge's secret unless given (a queue's feature key for its callbacks). */
  secret?: string;
}

/** The X-Queue-Signature header of `kind` for this request (`text` is the body as the edge decodes it). */
export const signatureFor = async (
  kind: SignatureKind,
  method: string,
  path: string,
  text: string,
  { bogusCount = 3, secret }: SignatureOptions = {},
): Promise<string | undefined> => {
  const valid = () => bridgeSignature(method, path, text, { secret });
  switch (kind) {
    case 'valid':
      return valid();
    case 'valid-twice':
    case 'valid-and-one-bogus':
    case 'valid-and-many-bogus':
      return withExtraV1(await valid(), kind, Math.max(2, bogusCount));
    case 'absent':
      return undefined;
    case 'empty':
      return '';
    case 'wrong-secret':
      return bridgeSignature(method, path, text, { secret: `${secret ?? env.BRIDGE_SECRET}-wrong` });
    case 'expired':
      return bridgeSignature(method, path, text, { t: unixNow() - 600, secret });
    case 'future':
      return bridgeSignature(method, path, text, { t: unixNow() + 600, secret });
    case 'other-path':
      return bridgeSignature(method, `${path}x`, text, { secret });
    case 'other-method':
      return bridgeSignature(method === 'GET' ? 'POST' : 'GET', path, text, { secret });
    case 'malformed':
      return `t=${unixNow()},v1=not-hex`;
  }
};
