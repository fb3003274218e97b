// The console's sessions: a random id in an HttpOnly cookie, its scope kept here in memory, so no
// token ever travels after the login form. A restart logs everyone out, which is fine for operators.

import { randomBytes } from 'node:crypto';
import type { OpsScope } from '../ops/auth.ts';

const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** Bounds memory against a flood of logins; the oldest session goes first. */
const MAX_SESSIONS = 1_000;
const ID_BYTES = 32;

interface Session {
  scope: OpsScope;
  expiresAt: number;
}

export class SessionStore {
  readonly ttlMs = SESSION_TTL_MS;
  readonly #sessions = new Map<string, Session>();

  create(scope: OpsScope): string {
    if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value as string);
    const id = randomBytes(ID_BYTES).toString('base64url');
    this.#sessions.set(id, { scope, expiresAt: Date.now() + SESSION_TTL_MS });
    return id;
  }

  scopeOf(id: string | undefined): OpsScope | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt > Date.now()) return session.scope;
    this.#sessions.delete(id);
    return undefined;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.#sessions.delete(id);
  }
}
