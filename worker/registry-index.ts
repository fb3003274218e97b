// One RegistryIndex (env.REGISTRY_INDEX.getByName('default')) holds every registration with an
// ETag over the whole set, so a bridge's poll costs one Durable Object call whatever the number of
// queues, and a 304 when nothing changed (it used to list KV and read every key on each poll).
// Each queue's coordinator (the authority) writes its registration here, after KV, before its own
// storage; this object is strongly consistent, so a change reaches every bridge at its next poll.
// Started empty (a deployment that predates it), it fills itself once from KV.

import { DurableObject } from 'cloudflare:workers';
import { toHex } from '../src/hex.ts';
import type { Registration } from '../src/protocol.ts';
import { entityTagMatches } from './http/etag.ts';
import { countedSql, type CountedSql } from './metering/counted-sql.ts';
import { UsageMeter, type Usage } from './metering/usage.ts';
import { listKvRegistrations } from './registry.ts';

/** A row that says the index was filled (from KV, once). */
const FILLED = '';

export interface IndexRead {
  etag: string;
  /** Absent when the caller's ETag still matches. */
  registrations?: Registration[];
}

/** A strong ETag over the whole set. */
const etagOf = async (registrations: Registration[]): Promise<string> => {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(registrations)));
  return `"${toHex(new Uint8Array(digest, 0, 16))}"`;
};

const ifNoneMatches = (header: string | undefined, etag: string): boolean => header !== undefined && entityTagMatches(header, etag);

export class RegistryIndex extends DurableObject<Env> {
  readonly #meter = new UsageMeter();
  readonly #sql: CountedSql;
  /** Sorted by name. */
  #registrations: Registration[] = [];
  #etag = '';

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = countedSql(ctx.storage.sql, this.#meter);
    void ctx.blockConcurrencyWhile(async () => {
      this.#sql('CREATE TABLE IF NOT EXISTS registrations (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
      const rows = this.#sql<{ name: string; value: string }>('SELECT name, value FROM registrations');
      if (rows.some((row) => row.name === FILLED)) {
        await this.#settle(rows.filter((row) => row.name !== FILLED).map((row) => JSON.parse(row.value) as Registration));
      } else {
        const fromKv = await listKvRegistrations(this.env.REGISTRATIONS, this.#meter);
        for (const registration of fromKv) this.#store(registration);
        this.#sql('INSERT INTO registrations (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', FILLED, '');
        await this.#settle(fromKv);
      }
    });
  }

  /** Every registration and their ETag; only the ETag when `ifNoneMatch` matches it. */
  async read(ifNoneMatch?: string): Promise<IndexRead> {
    return this.#meter.call(() => (ifNoneMatches(ifNoneMatch, this.#etag) ? { etag: this.#etag } : { etag: this.#etag, registrations: this.#registrations }));
  }

  /** A coordinator's new registration; an older version than the one held is ignored. */
  async put(registration: Registration): Promise<void> {
    await this.#meter.call(async () => {
      const held = this.#registrations.find((r) => r.name === registration.name);
      if (held && held.version >= registration.version) return;
      this.#store(registration);
      await this.#settle([...this.#registrations.filter((r) => r.name !== registration.name), registration]);
    });
  }

  /** A coordinator's deletion of `version`; a newer registration of the name stays. */
  async remove(name: string, version: number): Promise<void> {
    await this.#meter.call(async () => {
      const held = this.#registrations.find((r) => r.name === name);
      if (!held || held.version > version) return;
      this.#sql('DELETE FROM registrations WHERE name = ?', name);
      await this.#settle(this.#registrations.filter((r) => r.name !== name));
    });
  }

  /** The billable units this object has used since it woke (not counting this call). */
  async usage(): Promise<Usage> {
    return this.#meter.snapshot();
  }

  #store(registration: Registration): void {
    this.#sql('INSERT INTO registrations (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', registration.name, JSON.stringify(registration));
  }

  async #settle(registrations: Registration[]): Promise<void> {
    this.#registrations = registrations.sort((a, b) => a.name.localeCompare(b.name));
    this.#etag = await etagOf(this.#registrations);
  }
}
