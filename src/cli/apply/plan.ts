// What `queues apply` would change: each file entry against the edge's registration, field by
// field. The file states the fields it manages; a field it leaves out is left as the edge has it
// (applied as a PATCH), so a seed entry with only concurrency and timeout keeps the retry policy.
// A field compares by what the edge would store, not by what the file says: defaults the edge does
// not store (`completion: "sync"`, `schedules: []`) are no change.

import { isPlainObject } from '../../json.ts';
import type { Registration } from '../../protocol.ts';
import { mergeRegistration, type RegistrationSpec } from '../../registration.ts';
import { flatten } from '../output.ts';
import type { DesiredRegistration } from './registration-file.ts';

export interface FieldChange {
  field: string;
  from?: unknown;
  to: unknown;
}

export type Change =
  | { action: 'create'; name: string; input: DesiredRegistration['input']; fields: FieldChange[] }
  | { action: 'update'; name: string; input: DesiredRegistration['input']; version: number; fields: FieldChange[] }
  | { action: 'unchanged'; name: string }
  /** The entry was edited from a version the edge no longer has: never written over. */
  | { action: 'conflict'; name: string; fileVersion: number; edgeVersion: number | null }
  | { action: 'delete'; name: string; version: number }
  /** At the edge, not in the file, and no --prune. */
  | { action: 'keep'; name: string };

export type WriteChange = Extract<Change, { action: 'create' | 'update' | 'delete' }>;

export const isWrite = (change: Change): change is WriteChange => change.action === 'create' || change.action === 'update' || change.action === 'delete';

/** JSON with every object's keys sorted, so lists (`schedules`, `alerts.on`) compare by content. */
const canonical = (value: unknown): string =>
  JSON.stringify(value ?? null, (_key, item: unknown) => (isPlainObject(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1))) : item));

/** The value under a dotted field: a leaf, or the object under a field the file sets to `null`. */
const valueAt = (registration: RegistrationSpec, field: string): unknown =>
  field.split('.').reduce<unknown>((value, key) => (isPlainObject(value) ? value[key] : undefined), registration);

/** The registration the edge would store after this PATCH; undefined when it would refuse it (then the edge says why). */
const afterPatch = (entry: DesiredRegistration, { version: _version, updatedAt: _updatedAt, ...current }: Registration): RegistrationSpec | undefined => {
  const merged = mergeRegistration(entry.name, entry.input, current);
  return merged.ok ? merged.value : undefined;
};

const fieldChanges = (entry: DesiredRegistration, current?: Registration): FieldChange[] => {
  const fields = flatten(entry.input as Record<string, unknown>);
  if (!current) return fields.map(([field, to]) => ({ field, to }));
  const stored = afterPatch(entry, current);
  return fields
    .filter(([field, to]) => canonical(valueAt(current, field)) !== canonical(stored ? valueAt(stored, field) : to))
    .map(([field, to]) => ({ field, from: valueAt(current, field), to }));
};

const planEntry = (entry: DesiredRegistration, current: Registration | undefined): Change => {
  if (entry.version !== undefined && entry.version !== current?.version) {
    return { action: 'conflict', name: entry.name, fileVersion: entry.version, edgeVersion: current?.version ?? null };
  }
  if (!current) return { action: 'create', name: entry.name, input: entry.input, fields: fieldChanges(entry) };
  const fields = fieldChanges(entry, current);
  return fields.length === 0 ? { action: 'unchanged', name: entry.name } : { action: 'update', name: entry.name, input: entry.input, version: current.version, fields };
};

/** One change per queue in the file or at the edge, sorted by name. */
export const planApply = (desired: DesiredRegistration[], current: Registration[], { prune }: { prune: boolean }): Change[] => {
  const atEdge = new Map(current.map((registration) => [registration.name, registration]));
  const inFile = new Set(desired.map((entry) => entry.name));
  const changes: Change[] = [
    ...desired.map((entry) => planEntry(entry, atEdge.get(entry.name))),
    ...current
      .filter((registration) => !inFile.has(registration.name))
      .map((registration): Change => (prune ? { action: 'delete', name: registration.name, version: registration.version } : { action: 'keep', name: registration.name })),
  ];
  return changes.sort((a, b) => a.name.localeCompare(b.name));
};
