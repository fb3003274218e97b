// Reading untrusted input field by field (one error per bad field) and the queue-name rule: what
// registrations, job options and the producer clients all check with. No dependency beyond src/.

import { checkEndpoint, checkEndpointShape, checkPath, type EndpointPolicyOptions } from './endpoint-policy.ts';
import { LIMITS, QUEUE_NAME_PATTERN, type BackoffType, type FieldError } from './protocol.ts';

export const BACKOFF_TYPES: readonly BackoffType[] = ['exponential', 'fixed'];

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export const isValidQueueName = (name: unknown): name is string => typeof name === 'string' && QUEUE_NAME_PATTERN.test(name);

export const queueNameError = (field = 'name'): FieldError => ({
  field,
  message: `must match ${QUEUE_NAME_PATTERN.source} (lowercase letters, digits, '-' and '_', at most 63 characters)`,
});

/** Collects one error per bad field while reading an untrusted object. */
export class FieldChecker {
  readonly errors: FieldError[] = [];

  fail(field: string, message: string): undefined {
    this.errors.push({ field, message });
    return undefined;
  }

  unknownFields(object: Record<string, unknown>, allowed: Set<string>, prefix: string): void {
    for (const key of Object.keys(object)) {
      if (!allowed.has(key)) this.fail(`${prefix}${key}`, 'is not a known field');
    }
  }

  integer(value: unknown, field: string, { min, max }: { min: number; max: number }): number | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.fail(field, 'must be an integer');
    if (value < min || value > max) return this.fail(field, `must be between ${min} and ${max}`);
    return value;
  }

  number(value: unknown, field: string, { min, max }: { min: number; max: number }): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(field, 'must be a number');
    if (value < min || value > max) return this.fail(field, `must be between ${min} and ${max}`);
    return value;
  }

  /**
   * An http(s) endpoint, normalised (lowercase host, no trailing slash). With a policy its host is
   * judged too; `null` checks the shape only, for a caller that never calls it.
   */
  endpoint(value: unknown, field: string, policy: EndpointPolicyOptions | null): string | undefined {
    if (typeof value !== 'string' || value.length === 0) return this.fail(field, 'must be an http(s) URL string');
    if (value.length > LIMITS.endpointLength) return this.fail(field, `must be at most ${LIMITS.endpointLength} characters`);
    const verdict = policy ? checkEndpoint(value, policy) : checkEndpointShape(value);
    if (!verdict.ok) return this.fail(field, verdict.message);
    const url = new URL(value);
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  }

  path(value: unknown, field: string): string | undefined {
    if (typeof value !== 'string' || !value.startsWith('/')) return this.fail(field, "must be a string starting with '/'");
    if (value.length > LIMITS.pathLength) return this.fail(field, `must be at most ${LIMITS.pathLength} characters`);
    if (/[\s?#]/.test(value)) return this.fail(field, 'must not contain whitespace, a query string or a fragment');
    const verdict = checkPath(value);
    if (!verdict.ok) return this.fail(field, verdict.message);
    return value;
  }
}
