// The KV copy of the registrations: what the bridge syncs from and what lists read. Written only
// by each queue's coordinator (which holds the authoritative copy), read by everyone else.

import { toHex } from '../src/hex.ts';
import type { Registration } from '../src/protocol.ts';

const KEY_PREFIX = 'registration:';

export const registrationKey = (name: string): string => `${KEY_PREFIX}${name}`;

export const readRegistration = (kv: KVNamespace, name: string): Promise<Registration | null> =>
  kv.get<Registration>(registrationKey(name), 'json');

/** Every registration, sorted by name. */
export const listRegistrations = async (kv: KVNamespace): Promise<Registration[]> => {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page: KVNamespaceListResult<unknown, string> = await kv.list({ prefix: KEY_PREFIX, cursor });
    names.push(...page.keys.map((key) => key.name.slice(KEY_PREFIX.length)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  const registrations = await Promise.all(names.map((name) => readRegistration(kv, name)));
  return registrations.filter((r): r is Registration => r !== null).sort((a, b) => a.name.localeCompare(b.name));
};

/** A strong ETag over the whole set, so a bridge polling an unchanged set gets a 304. */
export const registrationsEtag = async (registrations: Registration[]): Promise<string> => {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(registrations)));
  return `"${toHex(new Uint8Array(digest, 0, 16))}"`;
};
