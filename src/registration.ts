// Validation and defaults for registrations, one error per bad field: the body by its schema
// (src/schema/registration.ts), then the rules that need the URL or the edge's config. Shared by
// the edge (admin route) and anyone who wants to check a registration before sending it. The
// flow-control fields (schedules, alerts) are checked and merged by flow-fields.ts.

import { checkEndpoint, type EndpointPolicyOptions } from './endpoint-policy.ts';
import { FieldChecker, isValidQueueName, queueNameError, type ValidationResult } from './field-checker.ts';
import { checkFlowFields, mergeFlowFields } from './flow-fields.ts';
import { isPlainObject } from './json.ts';
import { checkWith } from './schema/field-errors.ts';
import { BACKOFF_TYPES, RegistrationPatchSchema, RegistrationPutSchema } from './schema/registration.ts';
import {
  DEFAULT_FEATURE_PATH,
  LIMITS,
  type BackoffType,
  type Registration,
  type RegistrationDefaults,
  type RegistrationInput,
} from './protocol.ts';

export const DEFAULT_BACKOFF_DELAY_MS = 1000;
export const DEFAULT_BACKOFF_MAX_DELAY_MS = 300_000;
export const DEFAULT_BACKOFF_JITTER = 0.2;

export { BACKOFF_TYPES };

/** A registration without the fields the edge stamps on write. */
export type RegistrationSpec = Omit<Registration, 'version' | 'updatedAt'>;

export { FieldChecker, isValidQueueName, queueNameError, type ValidationResult };

/** The spec a brand-new queue gets for every field its creator leaves out. */
export const defaultSpec = (name: string, defaults: RegistrationDefaults): RegistrationSpec => ({
  name,
  endpoint: '',
  path: DEFAULT_FEATURE_PATH,
  concurrency: defaults.concurrency,
  timeoutMs: defaults.timeoutMs,
  retry: {
    attempts: defaults.attempts,
    backoff: {
      type: defaults.backoffType,
      delayMs: DEFAULT_BACKOFF_DELAY_MS,
      maxDelayMs: DEFAULT_BACKOFF_MAX_DELAY_MS,
      jitter: DEFAULT_BACKOFF_JITTER,
    },
  },
  paused: false,
});

export interface RegistrationInputOptions {
  /** PUT, or a queue without an endpoint yet: the body must name one. */
  requireEndpoint: boolean;
  /** The endpoint policy; `null` checks the endpoint's shape only (the bridge, which never calls it). */
  endpoints: EndpointPolicyOptions | null;
}

/**
 * Checks an admin body field by field, each on its own rules (none needs the queue's current
 * registration), and answers only the fields it knows, with their checked values. What needs the
 * merged result (maxDelayMs ≥ delayMs) is `mergeRegistration`'s.
 */
export const checkRegistrationInput = (
  name: string,
  input: unknown,
  { requireEndpoint, endpoints }: RegistrationInputOptions,
): ValidationResult<RegistrationInput> => {
  const checked = checkWith(requireEndpoint ? RegistrationPutSchema : RegistrationPatchSchema, input);
  const errors = [...(isValidQueueName(name) ? [] : [queueNameError()]), ...(checked.ok ? [] : checked.errors)];
  const named = (field: string) => errors.some((error) => error.field === field);
  // The rules that need the URL's name or the edge's config, on fields the schema found well-formed.
  if (isPlainObject(input) && typeof input.name === 'string' && input.name !== name && !named('name')) {
    errors.push({ field: 'name', message: `must equal the queue name in the URL ('${name}') when given` });
  }
  const policy = endpoints && isPlainObject(input) && typeof input.endpoint === 'string' && !named('endpoint') ? checkEndpoint(input.endpoint, endpoints) : undefined;
  if (policy && !policy.ok) errors.push({ field: 'endpoint', message: policy.message });
  const flow = isPlainObject(input) ? checkFlowFields(input, endpoints) : { errors: [], value: {} };
  errors.push(...flow.errors);
  if (!checked.ok || errors.length > 0) return { ok: false, errors };
  const { name: _name, version: _version, updatedAt: _updatedAt, schedules: _schedules, alerts: _alerts, ...fields } = checked.value;
  return { ok: true, value: { ...fields, ...flow.value } };
};

/**
 * Applies a checked input over `base`: the queue's current spec for PATCH, or `defaultSpec` for PUT.
 * Nested `retry`/`retry.backoff` merge field by field; then the rules that need the merged result.
 */
export const mergeRegistration = (name: string, input: RegistrationInput, base: RegistrationSpec): ValidationResult<RegistrationSpec> => {
  const { schedules: _schedules, alerts: _alerts, rateLimit: baseRate, ...rest } = structuredClone(base);
  const rateLimit = input.rateLimit === undefined ? baseRate : input.rateLimit;
  const spec: RegistrationSpec = { ...rest, ...(rateLimit ? { rateLimit: { ...rateLimit } } : {}), ...mergeFlowFields(input, base) };
  spec.name = name;
  spec.endpoint = input.endpoint ?? spec.endpoint;
  spec.path = input.path ?? spec.path;
  spec.concurrency = input.concurrency ?? spec.concurrency;
  spec.timeoutMs = input.timeoutMs ?? spec.timeoutMs;
  spec.paused = input.paused ?? spec.paused;
  // Stored only when async, so sync registrations keep their shape.
  const completion = input.completion ?? spec.completion;
  if (completion === 'async') spec.completion = completion;
  else delete spec.completion;
  spec.retry.attempts = input.retry?.attempts ?? spec.retry.attempts;
  const backoff = input.retry?.backoff ?? {};
  const target = spec.retry.backoff;
  target.type = backoff.type ?? target.type;
  target.delayMs = backoff.delayMs ?? target.delayMs;
  target.maxDelayMs = backoff.maxDelayMs ?? target.maxDelayMs;
  target.jitter = backoff.jitter ?? target.jitter;

  const check = new FieldChecker();
  if (!spec.endpoint) check.fail('endpoint', 'is required');
  if (target.maxDelayMs < target.delayMs) check.fail('retry.backoff.maxDelayMs', 'must be at least retry.backoff.delayMs');
  return check.errors.length > 0 ? { ok: false, errors: check.errors } : { ok: true, value: spec };
};

/** `checkRegistrationInput` then `mergeRegistration`, for a caller holding both the body and the base. */
export const resolveRegistration = (
  name: string,
  input: unknown,
  base: RegistrationSpec,
  endpoints: EndpointPolicyOptions | null,
): ValidationResult<RegistrationSpec> => {
  const checked = checkRegistrationInput(name, input, { requireEndpoint: !base.endpoint, endpoints });
  return checked.ok ? mergeRegistration(name, checked.value, base) : checked;
};

/** Reads the seed's QUEUE_* defaults; every bad one is reported, none silently replaced. */
export const parseRegistrationDefaults = (vars: Record<string, string | undefined>): ValidationResult<RegistrationDefaults> => {
  const check = new FieldChecker();
  const int = (key: string, fallback: number, range: { min: number; max: number }): number => {
    const raw = vars[key];
    if (raw === undefined || raw === '') return fallback;
    return check.integer(/^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN, key, range) ?? fallback;
  };
  const concurrency = int('QUEUE_CONCURRENCY_DEFAULT', 5, LIMITS.concurrency);
  const timeoutMs = int('QUEUE_TIMEOUT_DEFAULT', 30_000, LIMITS.timeoutMs);
  const attempts = int('QUEUE_RETRY_ATTEMPTS', 3, LIMITS.attempts);
  const rawType = vars.QUEUE_RETRY_BACKOFF || 'exponential';
  if (!BACKOFF_TYPES.includes(rawType as BackoffType)) check.fail('QUEUE_RETRY_BACKOFF', `must be one of ${BACKOFF_TYPES.join(', ')}`);
  if (check.errors.length > 0) return { ok: false, errors: check.errors };
  return { ok: true, value: { concurrency, timeoutMs, attempts, backoffType: rawType as BackoffType } };
};
