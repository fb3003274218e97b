// Job data as BullMQ stores it (JSON text), refused before anything reaches Redis when it could not
// be dispatched later (ARCHITECTURE "Poison jobs"): not JSON, nested deeper than MAX_JSON_DEPTH,
// holding numbers JSON cannot carry, or too large. The bridge applies the same rules to jobs that
// plain BullMQ producers added.

import { isPlainObject, MAX_JSON_DEPTH, parseJsonWithExactNumbers } from '../json.ts';
import { MAX_JOB_DATA_BYTES } from './limits.ts';

export type JobDataProblemReason = 'unserialisable' | 'too_deep' | 'inexact_number' | 'too_large';

export interface JobDataProblem {
  reason: JobDataProblemReason;
  message: string;
}

export type SerialisedJobData = ({ ok: true; json: string }) | ({ ok: false } & JobDataProblem);

const encoder = new TextEncoder();

const at = (path: string): string => (path ? ` at data${path}` : '');
const childPath = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/**
 * The first problem JSON.stringify would hit or hide in `value`, looking no deeper than the limit
 * (so a pathologically deep value costs 64 levels of recursion, not a stack overflow).
 */
const shapeProblem = (value: unknown, depth: number, path: string, ancestors: object[]): JobDataProblem | undefined => {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : { reason: 'inexact_number', message: `holds ${value}${at(path)}, which JSON cannot carry (it would become null)` };
  }
  if (typeof value === 'bigint') return { reason: 'unserialisable', message: `holds a BigInt${at(path)}; send it as a string` };
  if (typeof value !== 'object' || value === null) return undefined;
  if (ancestors.includes(value)) return { reason: 'unserialisable', message: `refers to itself${at(path)} (a cycle)` };
  if (depth >= MAX_JSON_DEPTH) return { reason: 'too_deep', message: `must be nested at most ${MAX_JSON_DEPTH} levels deep` };
  // Values with toJSON (Date, …) serialise as whatever it returns; JSON.stringify below judges them.
  if (!Array.isArray(value) && !isPlainObject(value)) return undefined;
  ancestors.push(value);
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of entries) {
    const problem = shapeProblem(child, depth + 1, childPath(path, key), ancestors);
    if (problem) return problem;
  }
  ancestors.pop();
  return undefined;
};

/**
 * Whether `value` holds an integer beyond what a double represents exactly (RFC 8259's interoperable
 * range). A JavaScript producer cannot write such a number wrongly, but another language's BullMQ can
 * store `12345678901234567890`, which parsing here already rounded: only the stored text can tell.
 */
export const holdsUnsafeInteger = (value: unknown): boolean => {
  if (typeof value === 'number') return Number.isFinite(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(holdsUnsafeInteger);
};

/** Why job data stored as JSON `text` would reach the feature changed: a number a double cannot hold exactly. */
export const inexactNumberProblem = (text: string): string | undefined => {
  const inexact = parseJsonWithExactNumbers(text).inexact;
  return inexact && `holds the number ${inexact.source.slice(0, 40)} at data${inexact.path}, which JSON cannot carry exactly (it would become ${inexact.parsed}); send it as a string`;
};

export const serialiseJobData = (data: unknown): SerialisedJobData => {
  const problem = shapeProblem(data, 0, '', []);
  if (problem) return { ok: false, ...problem };
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    return { ok: false, reason: 'unserialisable', message: `must be JSON-serialisable: ${(error as Error).message}` };
  }
  if (json === undefined) return { ok: false, reason: 'unserialisable', message: `must be JSON-serialisable, got ${typeof data}` };
  const tooLarge = dataSizeProblem(json);
  return tooLarge ? { ok: false, reason: 'too_large', message: tooLarge } : { ok: true, json };
};

/** Why data serialised as `json` is too large to be dispatched, or undefined. */
export const dataSizeProblem = (json: string): string | undefined => {
  const bytes = encoder.encode(json).byteLength;
  return bytes > MAX_JOB_DATA_BYTES ? `must be at most ${MAX_JOB_DATA_BYTES} bytes as JSON, got ${bytes}` : undefined;
};
