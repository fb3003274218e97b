// Zod's issues as the API's field errors: `{ field, message }`, one per bad field, named by its path
// (`retry.backoff.type`, `states[0]`), an unknown key named by itself ("is not a known field").

import type { z } from 'zod';
import type { FieldError } from '../protocol.ts';

import type { ValidationResult } from '../field-checker.ts';

export type { ValidationResult };

const UNKNOWN_FIELD = 'is not a known field';

const fieldName = (base: string, path: readonly PropertyKey[]): string =>
  path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : name ? `${name}.${String(key)}` : String(key)), base);

/** A union branch the input had the right type for: the issues that say what is wrong inside it. */
const matchedBranch = (branches: z.core.$ZodIssue[][]): z.core.$ZodIssue[] | undefined => {
  const matched = branches.filter((issues) => !issues.some((issue) => issue.code === 'invalid_type' && issue.path.length === 0));
  return matched.length === 1 ? matched[0] : undefined;
};

const under = (path: readonly PropertyKey[], parent: readonly PropertyKey[]): boolean =>
  path.length >= parent.length && parent.every((key, index) => path[index] === key);

/**
 * Zod reports an object's unknown keys after its fields; the API has always named them first (the
 * caller's typo before what it caused), so each moves to the front of its object's issues.
 */
const unknownKeysFirst = (issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] => {
  const ordered: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    const at = issue.code === 'unrecognized_keys' ? ordered.findIndex((other) => under(other.path, issue.path)) : -1;
    if (at >= 0) ordered.splice(at, 0, issue);
    else ordered.push(issue);
  }
  return ordered;
};

const collect = (issues: readonly z.core.$ZodIssue[], base: string, into: FieldError[]): void => {
  for (const issue of unknownKeysFirst(issues)) {
    const field = fieldName(base, issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) into.push({ field: fieldName(field, [key]), message: UNKNOWN_FIELD });
      continue;
    }
    const branch = issue.code === 'invalid_union' ? matchedBranch(issue.errors) : undefined;
    if (branch) collect(branch, field, into);
    else into.push({ field: field || 'body', message: issue.message });
  }
};

/** One error per field (the first zod raised for it), fields named under `prefix` when given. */
export const fieldErrors = (issues: readonly z.core.$ZodIssue[], prefix = ''): FieldError[] => {
  const all: FieldError[] = [];
  collect(issues, prefix, all);
  const seen = new Set<string>();
  return all.filter(({ field }) => !seen.has(field) && seen.add(field));
};

/** `schema` applied to untrusted `input`, answered as the API's field errors. */
export const checkWith = <S extends z.ZodType>(schema: S, input: unknown, prefix = ''): ValidationResult<z.output<S>> => {
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: fieldErrors(parsed.error.issues, prefix) };
};
