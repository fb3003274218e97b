// Keeps the pool in step with the edge's registrations, polling cheaply with an ETag. The edge
// validates on write; the bridge checks again before acting, and copes with fields it does not know
// (a newer edge) by ignoring them rather than dropping the queue.

import type { Registration, RegistrationDefaults } from '../src/protocol.ts';
import { isPlainObject } from '../src/json.ts';
import { defaultSpec, isValidQueueName, resolveRegistration } from '../src/registration.ts';
import type { EdgeClient } from './edge-client.ts';
import type { Logger } from './logger.ts';
import type { WorkerPool } from './worker-pool.ts';

const REGISTRATION_FIELDS = ['endpoint', 'path', 'concurrency', 'timeoutMs', 'paused', 'schedules', 'alerts'] as const;
const RETRY_FIELDS = ['attempts'] as const;
const BACKOFF_FIELDS = ['type', 'delayMs', 'maxDelayMs', 'jitter'] as const;

type Loose = Record<string, unknown>;

const pick = (source: Loose, fields: readonly string[]): Loose =>
  Object.fromEntries(fields.filter((field) => source[field] !== undefined).map((field) => [field, source[field]]));

/** The fields this bridge understands, in the shape resolveRegistration takes. */
const knownFields = (item: Loose): Loose => {
  const input = pick(item, REGISTRATION_FIELDS);
  if (isPlainObject(item.retry)) {
    const retry = pick(item.retry, RETRY_FIELDS);
    if (isPlainObject(item.retry.backoff)) retry.backoff = pick(item.retry.backoff, BACKOFF_FIELDS);
    input.retry = retry;
  }
  return input;
};

export interface RegistrationSyncOptions {
  edge: Pick<EdgeClient, 'fetchRegistrations'>;
  pool: Pick<WorkerPool, 'reconcile'>;
  defaults: RegistrationDefaults;
  logger: Logger;
}

export class RegistrationSync {
  readonly #options: RegistrationSyncOptions;
  #etag?: string;
  #current = new Map<string, Registration>();

  constructor(options: RegistrationSyncOptions) {
    this.#options = options;
  }

  /** One poll; throws EdgeRequestError when the edge cannot answer (workers keep running). */
  async syncOnce(): Promise<void> {
    const fetched = await this.#options.edge.fetchRegistrations(this.#etag);
    if (!fetched.changed) return;
    const registrations = fetched.registrations.flatMap((item) => this.#accept(item));
    this.#current = new Map(registrations.map((registration) => [registration.name, registration]));
    this.#options.pool.reconcile(registrations);
    this.#etag = fetched.etag;
  }

  #accept(item: unknown): Registration[] {
    const name = isPlainObject(item) ? item.name : undefined;
    if (!isPlainObject(item) || !isValidQueueName(name)) {
      this.#options.logger.warn('ignoring a registration without a valid name', { name: String(name) });
      return [];
    }
    // Shape only: the edge owns the endpoint policy and re-checks it before every call.
    const resolved = resolveRegistration(name, knownFields(item), defaultSpec(name, this.#options.defaults), null);
    if (resolved.ok) {
      const version = typeof item.version === 'number' ? item.version : 0;
      const updatedAt = typeof item.updatedAt === 'string' ? item.updatedAt : '';
      return [{ ...resolved.value, version, updatedAt }];
    }
    // Keep running what was valid before rather than stopping a queue over one bad field.
    const previous = this.#current.get(name);
    this.#options.logger.warn('ignoring an invalid registration from the edge', { queue: name, errors: resolved.errors, keeping: previous ? 'previous' : 'none' });
    return previous ? [previous] : [];
  }
}
