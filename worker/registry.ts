// Where registrations are read from. Each queue's coordinator holds the authoritative copy and
// writes two replicas: KV (key per queue, the durable copy) and the registry index (one Durable
// Object with the whole set and its ETag), which every list reads: one call, strongly consistent.

import type { Registration } from '../src/protocol.ts';
import type { UsageMeter } from './metering/usage.ts';

const KEY_PREFIX = 'registration:';

export const registrationKey = (name: string): string => `${KEY_PREFIX}${name}`;

/** One queue's KV copy (the edge producer route's check that a queue exists). */
export const readRegistration = (kv: KVNamespace, name: string): Promise<Registration | null> =>
  kv.get<Registration>(registrationKey(name), 'json');

export const registryIndex = (env: Env) => env.REGISTRY_INDEX.getByName('default');

/** Every registration, sorted by name. */
export const listRegistrations = async (env: Env): Promise<Registration[]> => (await registryIndex(env).read()).registrations ?? [];

/** Every registration in KV (the index fills itself from it once), sorted by name; the operations counted on `meter`. */
export const listKvRegistrations = async (kv: KVNamespace, meter: UsageMeter): Promise<Registration[]> => {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    meter.add({ kvLists: 1 });
    const page: KVNamespaceListResult<unknown, string> = await kv.list({ prefix: KEY_PREFIX, cursor });
    names.push(...page.keys.map((key) => key.name.slice(KEY_PREFIX.length)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  meter.add({ kvReads: names.length });
  const registrations = await Promise.all(names.map((name) => kv.get<Registration>(registrationKey(name), 'json')));
  return registrations.filter((r): r is Registration => r !== null).sort((a, b) => a.name.localeCompare(b.name));
};
