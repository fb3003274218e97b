// Where the producer client learns a queue's registration. Producers hold neither the admin token
// nor the bridge secret, so the client cannot ask the edge itself: the application passes either
// the registrations it knows (e.g. the JSON from GET /admin/registrations, or its own config) or a
// lookup of its own (cached however it likes).

import type { RetryPolicy } from '../protocol.ts';

/** The parts of a Registration the client uses; a full Registration fits. */
export interface RegistrationLike {
  name: string;
  retry?: RetryPolicy;
}

export type RegistrationLookup = (queue: string) => RegistrationLike | undefined | Promise<RegistrationLike | undefined>;

export type RegistrationSource = Iterable<RegistrationLike> | RegistrationLookup;

/** A lookup over either form; a list is indexed once. */
export const toLookup = (source: RegistrationSource): RegistrationLookup => {
  if (typeof source === 'function') return source;
  const byName = new Map<string, RegistrationLike>();
  for (const registration of source) byName.set(registration.name, registration);
  return (queue) => byName.get(queue);
};
