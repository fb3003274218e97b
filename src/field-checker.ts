// Reading untrusted input field by field (one error per bad field) where no schema fits (env
// defaults, the CLI's seed file, the edge's vars), and the queue-name rule. No dependency beyond
// src/, so the SDK's producers and the flow-control fields use it without zod or cron-parser.

import { QUEUE_NAME_PATTERN, type FieldError } from './protocol.ts';

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export const QUEUE_NAME_MESSAGE = `must match ${QUEUE_NAME_PATTERN.source} (lowercase letters, digits, '-' and '_', at most 63 characters)`;

export const isValidQueueName = (name: unknown): name is string => typeof name === 'string' && QUEUE_NAME_PATTERN.test(name);

export const queueNameError = (field = 'name'): FieldError => ({ field, message: QUEUE_NAME_MESSAGE });

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
}
