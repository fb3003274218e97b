// One QueueCoordinator per queue (env.QUEUE_COORDINATOR.getByName(queueName)). It is the queue's
// single point of truth: the authoritative registration (KV and the registry index are replicas),
// the global concurrency slots and start rate across every bridge replica (slots.ts,
// rate-window.ts), the queue's figures (figures.ts), and (in memory) the signed dispatches it has
// accepted, to refuse replays. This class keeps what only a Durable Object can: RPC, storage and
// the alarm.
//
// Cost (BENCHMARKS.md): no row per job. Slots are persisted as one reservation row, rewritten only
// when the calls in flight outgrow it; figures (and a rate-limited queue's start log) are flushed
// from the alarm at most once per FLUSH_MS, and nothing else keeps a timer, so a coordinator idle
// between calls can hibernate.

import { DurableObject } from 'cloudflare:workers';
import type { Registration } from '../../src/protocol.ts';
import { defaultSpec, mergeRegistration } from '../../src/registration.ts';
import { ReplayGuard } from '../../src/replay-guard.ts';
import { entityTagMatches } from '../http/etag.ts';
import { countedSql, type CountedSql } from '../metering/counted-sql.ts';
import { UsageMeter, type Usage } from '../metering/usage.ts';
import { registrationKey } from '../registry.ts';
import type { JobCallback } from '../../src/protocol.ts';
import { CANCELLED_MESSAGE } from '../dispatch/feature-call.ts';
import { Deferrals, settledReport, type Deferral, type DeferralAnswer, type SettleResult } from './deferrals.ts';
import { Figures, type PersistedFigures } from './figures.ts';
import { Slots, type Reservation } from './slots.ts';
import type {
  AcceptedSignature,
  AcquireManyResult,
  AcquireRequest,
  AcquireResult,
  CancelCallback,
  DeleteRegistrationResult,
  JobAttempt,
  QueueStats,
  Release,
  ReleaseReport,
  WriteRegistrationRequest,
  WriteRegistrationResult,
} from './types.ts';

export { LEASE_GRACE_MS, PAUSED_RETRY_AFTER_MS } from './slots.ts';

/**
 * Signed dispatches remembered for their 5-minute window (about 200 bytes each): well above what
 * one queue's bridges send in that time; beyond it the oldest are forgotten first.
 */
const MAX_REMEMBERED_SIGNATURES = 50_000;
/**
 * Figures (and a cleared reservation) reach storage this long after they change: a crash loses that
 * much of the counts. A busy queue pays an alarm and two rows (figures, the alarm's own) per flush.
 */
export const FLUSH_MS = 30_000;

const REGISTRATION = 'registration';
const TOMBSTONE = 'deletedVersion';
const FIGURES = 'figures';
const RESERVATION = 'reservation';
const RATE_STARTS = 'rateStarts';
/** Keys of the storage API this object used before its SQL table; read once, then moved. */
const LEGACY_LEASE_PREFIX = 'lease:';
const LEGACY_STATS = 'stats';
/** The storage API deletes at most this many keys per call. */
const MAX_KEYS_PER_DELETE = 128;

const etagMatches = (ifMatch: string, version: number | null): boolean => entityTagMatches(ifMatch, version === null ? undefined : String(version));

interface StoredState {
  registration?: Registration;
  deletedVersion?: number;
  figures?: PersistedFigures;
  reservation?: Reservation;
  rateStarts?: number[];
}

export class QueueCoordinator extends DurableObject<Env> {
  readonly #meter = new UsageMeter();
  readonly #sql: CountedSql;
  #registration: Registration | null = null;
  #deletedVersion = 0;
  #figures = new Figures();
  #slots!: Slots;
  #deferrals!: Deferrals;
  /** When the alarm is set for, or null; known in memory so scheduling costs no storage read. */
  #alarmAt: number | null = null;
  /** Memory only: a restart forgets them, which no write per dispatch would be worth. */
  readonly #acceptedSignatures = new ReplayGuard(MAX_REMEMBERED_SIGNATURES);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = countedSql(ctx.storage.sql, this.#meter);
    void ctx.blockConcurrencyWhile(async () => {
      const state = this.#load() ?? (await this.#moveLegacyState());
      this.#registration = state.registration ?? null;
      this.#deletedVersion = state.deletedVersion ?? 0;
      this.#figures = new Figures(state.figures);
      this.#deferrals = new Deferrals({
        rows: this.#sql<{ value: string }>('SELECT value FROM deferred').map((row) => JSON.parse(row.value) as Deferral),
        persist: (deferral) => this.#sql('INSERT INTO deferred (job_id, value) VALUES (?, ?) ON CONFLICT (job_id) DO UPDATE SET value = excluded.value', deferral.jobId, JSON.stringify(deferral)),
        forget: (jobId) => this.#sql('DELETE FROM deferred WHERE job_id = ?', jobId),
        onSettled: (jobId, outcome) => this.#figures.record(settledReport(jobId, outcome)),
      });
      this.#slots = new Slots({
        held: () => this.#deferrals.held,
        registration: () => this.#registration,
        figures: this.#figures,
        inherited: state.reservation,
        inheritedStarts: state.rateStarts,
        persist: (reservation) => this.#write(RESERVATION, reservation),
      });
      this.#alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---- registration -----------------------------------------------------------------------

  async getRegistration(): Promise<Registration | null> {
    return this.#meter.call(() => this.#registration);
  }

  /** PUT (replace) or PATCH (merge), honouring If-Match; writes the KV copy and the index, then storage. */
  async writeRegistration(request: WriteRegistrationRequest): Promise<WriteRegistrationResult> {
    return this.#meter.call(() =>
      this.ctx.blockConcurrencyWhile(async (): Promise<WriteRegistrationResult> => {
        const current = this.#registration;
        if (request.mode === 'merge' && !current) return { status: 404 };
        if (request.ifMatch !== undefined && !etagMatches(request.ifMatch, current?.version ?? null)) {
          return { status: 412, currentVersion: current?.version ?? null };
        }
        const base = request.mode === 'merge' && current ? current : defaultSpec(request.name, request.defaults);
        const resolved = mergeRegistration(request.name, request.input, base);
        if (!resolved.ok) return { status: 400, errors: resolved.errors };
        const registration: Registration = {
          ...resolved.value,
          version: (current?.version ?? this.#deletedVersion) + 1,
          updatedAt: new Date().toISOString(),
        };
        // Replicas first: if one fails, this object (the authority) has not changed and the admin can retry.
        const replicated = await this.#replicate(async () => {
          this.#meter.add({ kvWrites: 1 });
          await this.env.REGISTRATIONS.put(registrationKey(registration.name), JSON.stringify(registration));
          await this.env.REGISTRY_INDEX.getByName('default').put(registration);
        });
        if (!replicated) return { status: 503 };
        this.#write(REGISTRATION, registration);
        this.#registration = registration;
        // A higher limit, a pause or a deletion changes what the line gets at once.
        this.#slots.serveWaiters();
        return { status: current ? 200 : 201, registration };
      }),
    );
  }

  async deleteRegistration(ifMatch?: string): Promise<DeleteRegistrationResult> {
    return this.#meter.call(() =>
      this.ctx.blockConcurrencyWhile(async (): Promise<DeleteRegistrationResult> => {
        const current = this.#registration;
        if (!current) return { status: 404 };
        if (ifMatch !== undefined && !etagMatches(ifMatch, current.version)) return { status: 412, currentVersion: current.version };
        const replicated = await this.#replicate(async () => {
          this.#meter.add({ kvDeletes: 1 });
          await this.env.REGISTRATIONS.delete(registrationKey(current.name));
          await this.env.REGISTRY_INDEX.getByName('default').remove(current.name, current.version);
        });
        if (!replicated) return { status: 503 };
        // The version survives deletion so a re-created queue never reuses an ETag.
        this.#write(TOMBSTONE, current.version);
        this.#sql('DELETE FROM coordinator WHERE key = ?', REGISTRATION);
        this.#deletedVersion = current.version;
        this.#registration = null;
        this.#slots.serveWaiters();
        return { status: 204 };
      }),
    );
  }

  // ---- slots ------------------------------------------------------------------------------

  /**
   * A slot for one dispatch, or why not. Waits in a FIFO line up to `maxWaitMs` when all are busy.
   * A replayed signature, or a second dispatch of a job attempt that is still running, gets none.
   */
  async acquire({ signature, ...request }: AcquireRequest): Promise<AcquireResult> {
    return this.#meter.call(async () => {
      if (signature && this.#replayed(signature)) return { status: 'replayed' };
      const known = this.#deferred(request);
      if (known) return known;
      const answer = this.#slots.acquire(request);
      this.#scheduleFlush();
      const settled = await answer;
      this.#scheduleFlush();
      return settled;
    });
  }

  /**
   * Slots for a batch in one round trip: as many as are free right now, without waiting. The rest
   * of the batch calls `acquire` per job, from the first job not granted.
   */
  async acquireMany(jobs: JobAttempt[], signature?: AcceptedSignature, onCancel?: CancelCallback): Promise<AcquireManyResult> {
    return this.#meter.call(() => {
      if (signature && this.#replayed(signature)) return { status: 'replayed' };
      const known = new Map<string, DeferralAnswer>();
      for (const job of jobs) {
        const answer = this.#deferred(job);
        if (answer) known.set(job.jobId, answer);
      }
      const others = jobs.filter((job) => !known.has(job.jobId));
      const answer: AcquireManyResult = others.length > 0 ? this.#slots.acquireMany(others, onCancel) : { status: 'granted', grants: [] };
      this.#scheduleFlush();
      return answer.status === 'granted' && known.size > 0 ? { ...answer, known } : answer;
    });
  }

  /**
   * Gives the slot back and records how the dispatch ended. Unknown lease ids (expired) only count.
   * `budgetRefused`: this queue's dispatches the calling isolate refused for its budget since its
   * last release, counted here because this call happens anyway (the refusals never reach us).
   */
  async release(leaseId: string, report: ReleaseReport, budgetRefused = 0): Promise<void> {
    await this.releaseMany([{ leaseId, report }], budgetRefused);
  }

  async releaseMany(releases: Release[], budgetRefused = 0): Promise<void> {
    await this.#meter.call(() => {
      this.#figures.count('throttledBudget', budgetRefused);
      // Before the lease goes: the deferred attempt keeps its slot without a gap.
      for (const { report } of releases) if (report.deferred) this.#deferrals.defer({ jobId: report.jobId, attemptsMade: report.deferred.attemptsMade }, report.deferred.startedAt, report.deferred.deadline);
      this.#slots.release(releases);
      this.#scheduleFlush();
    });
  }

  /** An async attempt's callback (POST /callbacks/:queue/:jobId): the first one before the deadline counts. */
  async settle(jobId: string, attempt: number, callback: JobCallback): Promise<SettleResult> {
    return this.#meter.call(() => {
      const settled = this.#deferrals.settle(jobId, attempt, callback);
      if (settled.status === 'settled') {
        this.#slots.serveWaiters();
        this.#scheduleFlush();
      }
      return settled;
    });
  }

  /** Aborts the running feature calls of `jobId` (an operator's cancel); answers how many were told. */
  async cancel(jobId: string): Promise<number> {
    return this.#meter.call(async () => {
      this.#deferrals.cancel(jobId, CANCELLED_MESSAGE);
      this.#slots.serveWaiters();
      let told = 0;
      for (const canceller of this.#slots.cancel(jobId)) {
        try {
          await canceller.call(jobId);
          told++;
        } catch (error) {
          // The dispatching request is gone; its lease ends by release or expiry as usual.
          console.error('could not reach the isolate running a cancelled call', { jobId, error: String(error) });
        }
      }
      this.#scheduleFlush();
      return told;
    });
  }

  async stats(): Promise<QueueStats> {
    return this.#meter.call(() => {
      this.#slots.reclaimExpired();
      this.#scheduleFlush();
      return {
        registration: this.#registration,
        inFlight: this.#slots.inFlight,
        limit: this.#registration?.concurrency ?? 0,
        waiting: this.#slots.waiting,
        rate: this.#slots.rate,
        ...this.#figures.view(),
      };
    });
  }

  async ping(): Promise<'pong'> {
    return this.#meter.call(() => 'pong' as const);
  }

  /** The billable units this object has used since it woke (not counting this call). */
  async usage(): Promise<Usage> {
    return this.#meter.snapshot();
  }

  /** Flushes the figures and shrinks the reservation once calls have ended; sets no next alarm by itself. */
  override async alarm(): Promise<void> {
    await this.#meter.call(() => {
      this.#alarmAt = null;
      this.#slots.shrinkReservation();
      this.#deferrals.purge();
      this.#slots.serveWaiters();
      if (this.#figures.dirty) this.#write(FIGURES, this.#figures.persisted());
      if (this.#slots.rateWindow.dirty) this.#write(RATE_STARTS, this.#slots.rateWindow.persisted());
      // Deferred rows are purged by a later alarm of their own when no flush brings one.
      const purgeAt = this.#deferrals.nextPurgeAt;
      if (purgeAt !== null && this.#alarmAt === null) {
        this.#alarmAt = Math.max(purgeAt, Date.now() + FLUSH_MS);
        this.#meter.add({ rowsWritten: 1 });
        void this.ctx.storage.setAlarm(this.#alarmAt);
      }
    }, 'alarm');
  }

  // ---- internals --------------------------------------------------------------------------

  /** One alarm per FLUSH_MS at most, and only while there is something to write. */
  #scheduleFlush(): void {
    if (this.#alarmAt !== null || !(this.#figures.dirty || this.#slots.overReserved || this.#slots.rateWindow.dirty)) return;
    this.#alarmAt = Date.now() + FLUSH_MS;
    // The alarm time is kept in the object's storage: priced as a row written.
    this.#meter.add({ rowsWritten: 1 });
    void this.ctx.storage.setAlarm(this.#alarmAt);
  }

  /** A failed replica write must not escape blockConcurrencyWhile, which would reset the object. */
  async #replicate(write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      console.error('writing a replica of a registration failed', { error: String(error) });
      return false;
    }
  }

  /** A deferred attempt's state, when this attempt was deferred: it gets no slot and no feature call. */
  #deferred(attempt: JobAttempt): DeferralAnswer | undefined {
    return this.#deferrals.answer(attempt, this.#registration?.timeoutMs ?? 0);
  }

  /** True when the signature was accepted before (by any isolate: they all ask this one object). */
  #replayed({ mac, validUntil }: AcceptedSignature): boolean {
    return !this.#acceptedSignatures.claim(mac, validUntil);
  }

  #write(key: string, value: unknown): void {
    this.#sql('INSERT INTO coordinator (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, JSON.stringify(value));
  }

  /** The stored state, or undefined when the table is new (this object may predate it). */
  #load(): StoredState | undefined {
    this.#sql('CREATE TABLE IF NOT EXISTS coordinator (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    // One row per deferred async attempt (deferrals.ts).
    this.#sql('CREATE TABLE IF NOT EXISTS deferred (job_id TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const rows = this.#sql<{ key: string; value: string }>('SELECT key, value FROM coordinator');
    if (rows.length === 0) return undefined;
    return Object.fromEntries(rows.map(({ key, value }) => [key, JSON.parse(value)])) as StoredState;
  }

  /** What this object kept through the storage API before its SQL table, moved into the table once. */
  async #moveLegacyState(): Promise<StoredState> {
    const storage = this.ctx.storage;
    const leases = await storage.list<{ expiresAt: number }>({ prefix: LEGACY_LEASE_PREFIX });
    const stored = await storage.get<unknown>([REGISTRATION, TOMBSTONE, LEGACY_STATS]);
    if (leases.size === 0 && stored.size === 0) return {};
    const state: StoredState = {
      registration: stored.get(REGISTRATION) as Registration | undefined,
      deletedVersion: stored.get(TOMBSTONE) as number | undefined,
      figures: stored.get(LEGACY_STATS) as PersistedFigures | undefined,
      reservation: { count: leases.size, until: Math.max(0, ...[...leases.values()].map((lease) => lease.expiresAt)) },
    };
    for (const [key, value] of Object.entries(state)) if (value !== undefined) this.#write(key, value);
    const keys = [...leases.keys(), REGISTRATION, TOMBSTONE, LEGACY_STATS];
    for (let start = 0; start < keys.length; start += MAX_KEYS_PER_DELETE) await storage.delete(keys.slice(start, start + MAX_KEYS_PER_DELETE));
    return state;
  }
}
