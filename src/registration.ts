// Validation and defaults for registrations, one error per bad field. Shared by the edge (admin
// route) and anyone who wants to check a registration before sending it. The field checker and
// queue-name rules live in field-checker.ts, so the SDK's producers can use them without pulling in
// the flow-control fields' cron parser.

import { BACKOFF_TYPES, FieldChecker, isValidQueueName, queueNameError, type ValidationResult } from './field-checker.ts';
import { checkFlowFields, mergeFlowFields } from './flow-fields.ts';
import { isPlainObject } from './json.ts';
import {
  DEFAULT_FEATURE_PATH,
  LIMITS,
  type BackoffPolicy,
  type BackoffType,
  type Registration,
  type RegistrationDefaults,
  type RegistrationInput,
} from './protocol.ts';
import type { EndpointPolicyOptions } from './endpoint-policy.ts';

export { BACKOFF_TYPES, FieldChecker, isValidQueueName, queueNameError, type ValidationResult };

export const DEFAULT_BACKOFF_DELAY_MS = 1000;
export const DEFAULT_BACKOFF_MAX_DELAY_MS = 300_000;
export const DEFAULT_BACKOFF_JITTER = 0.2;

const TOP_LEVEL_FIELDS = new Set(['name', 'endpoint', 'path', 'concurrency', 'timeoutMs', 'retry', 'paused', 'schedules', 'alerts', 'version', 'updatedAt']);
const RETRY_FIELDS = new Set(['attempts', 'backoff']);
const BACKOFF_FIELDS = new Set(['type', 'delayMs', 'maxDelayMs', 'jitter']);

/** A registration without the fields the edge stamps on write. */
export type RegistrationSpec = Omit<Registration, 'version' | 'updatedAt'>;

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
  const check = new FieldChecker();
  if (!isValidQueueName(name)) check.errors.push(queueNameError());
  if (!isPlainObject(input)) {
    check.fail('body', 'must be a JSON object');
    return { ok: false, errors: check.errors };
  }
  check.unknownFields(input, TOP_LEVEL_FIELDS, '');
  if (input.name !== undefined && input.name !== name) check.fail('name', `must equal the queue name in the URL ('${name}') when given`);

  const checked: RegistrationInput = {};
  if (input.endpoint !== undefined) checked.endpoint = check.endpoint(input.endpoint, 'endpoint', endpoints);
  else if (requireEndpoint) check.fail('endpoint', 'is required');
  if (input.path !== undefined) checked.path = check.path(input.path, 'path');
  if (input.concurrency !== undefined) checked.concurrency = check.integer(input.concurrency, 'concurrency', LIMITS.concurrency);
  if (input.timeoutMs !== undefined) checked.timeoutMs = check.integer(input.timeoutMs, 'timeoutMs', LIMITS.timeoutMs);
  if (input.paused !== undefined) {
    if (typeof input.paused === 'boolean') checked.paused = input.paused;
    else check.fail('paused', 'must be true or false');
  }
  if (input.retry !== undefined) {
    const retry = input.retry;
    if (!isPlainObject(retry)) {
      check.fail('retry', 'must be an object');
    } else {
      check.unknownFields(retry, RETRY_FIELDS, 'retry.');
      checked.retry = {};
      if (retry.attempts !== undefined) checked.retry.attempts = check.integer(retry.attempts, 'retry.attempts', LIMITS.attempts);
      const backoff = retry.backoff;
      if (backoff !== undefined && !isPlainObject(backoff)) check.fail('retry.backoff', 'must be an object');
      if (isPlainObject(backoff)) {
        check.unknownFields(backoff, BACKOFF_FIELDS, 'retry.backoff.');
        const target: Partial<BackoffPolicy> = {};
        if (backoff.type !== undefined) {
          if (BACKOFF_TYPES.includes(backoff.type as BackoffType)) target.type = backoff.type as BackoffType;
          else check.fail('retry.backoff.type', `must be one of ${BACKOFF_TYPES.join(', ')}`);
        }
        if (backoff.delayMs !== undefined) target.delayMs = check.integer(backoff.delayMs, 'retry.backoff.delayMs', LIMITS.delayMs);
        if (backoff.maxDelayMs !== undefined) target.maxDelayMs = check.integer(backoff.maxDelayMs, 'retry.backoff.maxDelayMs', LIMITS.maxDelayMs);
        if (backoff.jitter !== undefined) target.jitter = check.number(backoff.jitter, 'retry.backoff.jitter', LIMITS.jitter);
        checked.retry.backoff = target;
      }
    }
  }
  const flow = checkFlowFields(input, endpoints);
  check.errors.push(...flow.errors);
  Object.assign(checked, flow.value);
  return check.errors.length > 0 ? { ok: false, errors: check.errors } : { ok: true, value: checked };
};

/**
 * Applies a checked input over `base`: the queue's current spec for PATCH, or `defaultSpec` for PUT.
 * Nested `retry`/`retry.backoff` merge field by field; then the rules that need the merged result.
 */
export const mergeRegistration = (name: string, input: RegistrationInput, base: RegistrationSpec): ValidationResult<RegistrationSpec> => {
  const { schedules: _schedules, alerts: _alerts, ...rest } = structuredClone(base);
  const spec: RegistrationSpec = { ...rest, ...mergeFlowFields(input, base) };
  spec.name = name;
  spec.endpoint = input.endpoint ?? spec.endpoint;
  spec.path = input.path ?? spec.path;
  spec.concurrency = input.concurrency ?? spec.concurrency;
  spec.timeoutMs = input.timeoutMs ?? spec.timeoutMs;
  spec.paused = input.paused ?? spec.paused;
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
