import { describe, expect, it } from 'vitest';
import type { EndpointPolicyOptions } from '../../src/endpoint-policy.ts';
import type { RegistrationDefaults } from '../../src/protocol.ts';
import {
  checkRegistrationInput,
  defaultSpec,
  isValidQueueName,
  mergeRegistration,
  parseRegistrationDefaults,
  resolveRegistration,
  type RegistrationSpec,
  type ValidationResult,
} from '../../src/registration.ts';

const DEFAULTS: RegistrationDefaults = { concurrency: 5, timeoutMs: 30_000, attempts: 3, backoffType: 'exponential' };
const fresh = (name = 'email') => defaultSpec(name, DEFAULTS);
/** The strict policy production runs with; the endpoints below are public names. */
const POLICY: EndpointPolicyOptions = { allowPrivateEndpoints: false, selfOrigin: 'https://edge.example' };
const resolve = (name: string, input: unknown, base: RegistrationSpec) => resolveRegistration(name, input, base, POLICY);

const existing: RegistrationSpec = {
  name: 'email',
  endpoint: 'http://email-api:3020',
  path: '/jobs',
  concurrency: 10,
  timeoutMs: 15_000,
  retry: { attempts: 7, backoff: { type: 'fixed', delayMs: 2_000, maxDelayMs: 60_000, jitter: 0.1 } },
  paused: true,
};

const value = (result: ValidationResult<RegistrationSpec>): RegistrationSpec => {
  if (!result.ok) throw new Error(`expected a valid registration, got ${JSON.stringify(result.errors)}`);
  return result.value;
};
const fields = (result: ValidationResult<RegistrationSpec>): string[] => (result.ok ? [] : result.errors.map((e) => e.field));

describe('resolveRegistration over the defaults (PUT)', () => {
  it('fills every omitted field from the defaults', () => {
    expect(value(resolve('email', { endpoint: 'http://email-api:3020' }, fresh()))).toEqual({
      name: 'email',
      endpoint: 'http://email-api:3020',
      path: '/internal/process-job',
      concurrency: 5,
      timeoutMs: 30_000,
      retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 1_000, maxDelayMs: 300_000, jitter: 0.2 } },
      paused: false,
    });
  });

  it('takes its backoff type and counts from the defaults given', () => {
    const spec = value(resolve('email', { endpoint: 'http://a' }, defaultSpec('email', { concurrency: 2, timeoutMs: 1_000, attempts: 9, backoffType: 'fixed' })));
    expect(spec).toMatchObject({ concurrency: 2, timeoutMs: 1_000, retry: { attempts: 9, backoff: { type: 'fixed' } } });
  });

  it('requires an endpoint', () => {
    expect(fields(resolve('email', {}, fresh()))).toEqual(['endpoint']);
  });

  it('normalises the endpoint: lowercase host, no trailing slash', () => {
    expect(value(resolve('email', { endpoint: 'https://Email-API.example:8443/v1/' }, fresh())).endpoint).toBe('https://email-api.example:8443/v1');
    expect(value(resolve('email', { endpoint: 'http://email-api:3020/' }, fresh())).endpoint).toBe('http://email-api:3020');
  });

  it.each(['ftp://a', 'javascript:alert(1)', 'not a url', 'http://u:p@a', 'http://a/?x=1', 'http://a/#f', `http://a/${'x'.repeat(2_048)}`, null, 7])(
    'rejects the endpoint %j',
    (endpoint) => {
      expect(fields(resolve('email', { endpoint }, fresh()))).toEqual(['endpoint']);
    },
  );

  it('accepts a body that names the same queue, and version/updatedAt sent back from a GET', () => {
    const spec = value(resolve('email', { ...existing, version: 4, updatedAt: '2026-01-01T00:00:00.000Z' }, fresh()));
    expect(spec).toEqual(existing);
  });

  it('rejects a body naming another queue, and a bad queue name', () => {
    expect(fields(resolve('email', { name: 'sms', endpoint: 'http://a' }, fresh()))).toEqual(['name']);
    expect(fields(resolve('Email', { endpoint: 'http://a' }, fresh('Email')))).toEqual(['name']);
  });

  it.each([[], 'x', null, 3])('rejects the body %j as not an object', (input) => {
    expect(fields(resolve('email', input, fresh()))).toEqual(['body']);
  });

  it('reports one error per bad field, nested ones by their path', () => {
    const result = resolve(
      'email',
      { endpoint: 'ftp://a', concurrency: 0, timeoutMs: 99, paused: 'no', path: 'jobs', retry: { attempts: 1.5, tries: 1, backoff: { type: 'linear', jitter: 1.5, factor: 2 } }, colour: 'red' },
      fresh(),
    );
    expect(fields(result).sort()).toEqual([
      'colour',
      'concurrency',
      'endpoint',
      'path',
      'paused',
      'retry.attempts',
      'retry.backoff.factor',
      'retry.backoff.jitter',
      'retry.backoff.type',
      'retry.tries',
      'timeoutMs',
    ]);
  });

  it.each([
    ['concurrency', 1, 1_000],
    ['timeoutMs', 100, 900_000],
  ])('keeps %s within %i..%i', (field, min, max) => {
    const at = (n: number) => resolve('email', { endpoint: 'http://a', [field]: n }, fresh());
    expect(at(min).ok && at(max).ok).toBe(true);
    expect(fields(at(min - 1))).toEqual([field]);
    expect(fields(at(max + 1))).toEqual([field]);
  });
});

describe('resolveRegistration over an existing queue (PATCH)', () => {
  it('changes only the fields given', () => {
    expect(value(resolve('email', { concurrency: 3 }, existing))).toEqual({ ...existing, concurrency: 3 });
    expect(value(resolve('email', {}, existing))).toEqual(existing);
  });

  it('merges retry and retry.backoff field by field', () => {
    expect(value(resolve('email', { retry: { backoff: { delayMs: 500 } } }, existing)).retry).toEqual({
      attempts: 7,
      backoff: { type: 'fixed', delayMs: 500, maxDelayMs: 60_000, jitter: 0.1 },
    });
    expect(value(resolve('email', { retry: { attempts: 2 } }, existing)).retry).toEqual({ ...existing.retry, attempts: 2 });
  });

  it('leaves the spec it starts from untouched', () => {
    const base = structuredClone(existing);
    resolve('email', { concurrency: 1, retry: { attempts: 1, backoff: { jitter: 0 } } }, base);
    expect(base).toEqual(existing);
  });

  it('checks maxDelayMs against the merged delayMs', () => {
    expect(fields(resolve('email', { retry: { backoff: { maxDelayMs: 1_000 } } }, existing))).toEqual(['retry.backoff.maxDelayMs']);
    expect(value(resolve('email', { retry: { backoff: { delayMs: 500, maxDelayMs: 1_000 } } }, existing)).retry.backoff).toMatchObject({ delayMs: 500, maxDelayMs: 1_000 });
  });

  it('does not ask for an endpoint the queue already has', () => {
    expect(resolve('email', { paused: false }, existing)).toMatchObject({ ok: true, value: { paused: false } });
  });
});

describe('isValidQueueName', () => {
  it.each(['email', 'image-gen', 'analytics_v2', '0day', 'a'.repeat(63)])('accepts %j', (name) => {
    expect(isValidQueueName(name)).toBe(true);
  });

  it.each(['', 'Email', '-email', '_email', 'email.v2', 'email/jobs', 'a'.repeat(64), 7, null])('rejects %j', (name) => {
    expect(isValidQueueName(name)).toBe(false);
  });
});

describe('parseRegistrationDefaults', () => {
  it("uses the seed's defaults for unset or empty vars", () => {
    expect(parseRegistrationDefaults({})).toEqual({ ok: true, value: DEFAULTS });
    expect(parseRegistrationDefaults({ QUEUE_CONCURRENCY_DEFAULT: '', QUEUE_RETRY_BACKOFF: '' })).toEqual({ ok: true, value: DEFAULTS });
  });

  it('reads the vars', () => {
    const vars = { QUEUE_CONCURRENCY_DEFAULT: '8', QUEUE_TIMEOUT_DEFAULT: ' 12000 ', QUEUE_RETRY_ATTEMPTS: '1', QUEUE_RETRY_BACKOFF: 'fixed' };
    expect(parseRegistrationDefaults(vars)).toEqual({ ok: true, value: { concurrency: 8, timeoutMs: 12_000, attempts: 1, backoffType: 'fixed' } });
  });

  it('reports every bad var by name', () => {
    const result = parseRegistrationDefaults({ QUEUE_CONCURRENCY_DEFAULT: 'five', QUEUE_TIMEOUT_DEFAULT: '1.5', QUEUE_RETRY_ATTEMPTS: '0', QUEUE_RETRY_BACKOFF: 'linear' });
    expect(result.ok ? [] : result.errors.map((e) => e.field)).toEqual(['QUEUE_CONCURRENCY_DEFAULT', 'QUEUE_TIMEOUT_DEFAULT', 'QUEUE_RETRY_ATTEMPTS', 'QUEUE_RETRY_BACKOFF']);
  });
});

describe('endpoint policy in registrations', () => {
  it('names `endpoint` with the rule it broke, and `path` for a dot segment', () => {
    const metadata = resolve('email', { endpoint: 'http://169.254.169.254' }, fresh());
    expect(metadata).toEqual({ ok: false, errors: [{ field: 'endpoint', message: 'must not be a link-local or cloud metadata address' }] });
    expect(fields(resolve('email', { endpoint: 'http://0x7f000001:6379' }, fresh()))).toEqual(['endpoint']);
    expect(fields(resolve('email', { endpoint: 'https://edge.example' }, fresh()))).toEqual(['endpoint']);
    expect(fields(resolve('email', { endpoint: 'http://email-api', path: '/../../admin' }, fresh()))).toEqual(['path']);
  });

  it('checks only the shape without a policy (the bridge, which never calls the endpoint)', () => {
    expect(value(resolveRegistration('email', { endpoint: 'http://127.0.0.1:3020' }, fresh(), null)).endpoint).toBe('http://127.0.0.1:3020');
    expect(fields(resolveRegistration('email', { endpoint: 'ftp://127.0.0.1' }, fresh(), null))).toEqual(['endpoint']);
    expect(fields(resolveRegistration('email', { endpoint: 'http://a', path: '/%2e%2e/admin' }, fresh(), null))).toEqual(['path']);
  });
});

describe('checkRegistrationInput', () => {
  const options = { requireEndpoint: true, endpoints: POLICY };

  it('answers only the known fields, checked, whatever else the body carried', () => {
    const body = { name: 'email', endpoint: 'https://Email-API.example/', version: 9, updatedAt: 'x', retry: { backoff: { jitter: 0 } } };
    expect(checkRegistrationInput('email', body, options)).toEqual({
      ok: true,
      value: { endpoint: 'https://email-api.example', retry: { backoff: { jitter: 0 } } },
    });
  });

  it('asks for an endpoint only when told to (PUT), and leaves the cross-field rule to the merge', () => {
    expect(checkRegistrationInput('email', { concurrency: 2 }, options)).toMatchObject({ ok: false, errors: [{ field: 'endpoint' }] });
    expect(checkRegistrationInput('email', { concurrency: 2 }, { ...options, requireEndpoint: false })).toEqual({ ok: true, value: { concurrency: 2 } });
    const input = { retry: { backoff: { delayMs: 5_000, maxDelayMs: 1_000 } } };
    const checked = checkRegistrationInput('email', input, { ...options, requireEndpoint: false });
    expect(checked.ok).toBe(true);
    expect(checked.ok && fields(mergeRegistration('email', checked.value, existing))).toEqual(['retry.backoff.maxDelayMs']);
  });
});
