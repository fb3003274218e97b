// One QueueCoordinator per queue (env.QUEUE_COORDINATOR.getByName(queueName)). It is the queue's
// single point of truth: the authoritative registration (KV is the replicated read copy), the
// global concurrency slots across every bridge replica, a fair line for callers waiting on a slot,
// the queue's figures, and (in memory) the signed dispatches it has accepted, to refuse replays.

import { DurableObject } from 'cloudflare:workers';
import type { Registration } from '../../src/protocol.ts';
import { defaultSpec, mergeRegistration } from '../../src/registration.ts';
import { ReplayGuard } from '../../src/replay-guard.ts';
import { entityTagMatches } from '../http/etag.ts';
import { registrationKey } from '../registry.ts';
import { LatencyWindow } from './latency.ts';
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
  SlotGrant,
  WriteRegistrationRequest,
  WriteRegistrationResult,
} from './types.ts';

/** A lease outlives its call's timeout by this much before the slot is taken back. */
export const LEASE_GRACE_MS = 2_000;
/** Told to callers of a paused queue: check back in a while, the pause is an operator's decision. */
export const PAUSED_RETRY_AFTER_MS = 5_000;
const MIN_RETRY_AFTER_MS = 50;
/** Until a queue has measured calls, a call is assumed to take this long (capped at half the timeout). */
const UNMEASURED_CALL_MS = 1_000;
const MAX_RETRY_AFTER_MS = 30_000;
/** A line longer than this turns newcomers away at once; they would only time out in it. */
const MAX_WAITERS_PER_SLOT = 4;
/**
 * Signed dispatches remembered for their 5-minute window (about 200 bytes each): well above what
 * one queue's bridges send in that time; beyond it the oldest are forgotten first.
 */
const MAX_REMEMBERED_SIGNATURES = 50_000;

/**
 * A cancelled job's dispatch may still be on its way (sent just before the cancel, or waiting in
 * line): for this long the job gets no slot, so the feature is not called for a job the bridge has
 * already failed. The answer is a plain `in_flight` throttle, uncharged: an operator's retry of the
 * job within this time is only delayed, never failed.
 */
const CANCELLED_MEMORY_MS = 10_000;

const REGISTRATION_KEY = 'registration';
const TOMBSTONE_KEY = 'deletedVersion';
const STATS_KEY = 'stats';
const STATS_FLUSH_MS = 1_000;
const LEASE_PREFIX = 'lease:';
const leaseKey = (id: string): string => `${LEASE_PREFIX}${id}`;
/**
 * Lease writes do not hold the answer until they are on disk (that costs a sync per grant and per
 * release, ~2 ms each here). They are still written, in order; only a crash inside that window can
 * forget a grant, letting one call too many in until the forgotten one ends.
 */
const UNCONFIRMED = { allowUnconfirmed: true } as const;

interface Lease extends JobAttempt {
  id: string;
  acquiredAt: number;
  expiresAt: number;
}

interface Waiter extends JobAttempt {
  onCancel?: CancelCallback;
  resolve: (result: AcquireResult) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Totals survive restarts; the latency window is recent by nature and lives in memory only. */
interface PersistedStats {
  totals: QueueStats['totals'];
  lastError: QueueStats['lastError'];
}

const emptyTotals = (): QueueStats['totals'] => ({
  dispatched: 0,
  completed: 0,
  failedRetryable: 0,
  failedFinal: 0,
  throttled: 0,
  throttledBudget: 0,
  leasesExpired: 0,
});

/** A callback kept past the RPC call that brought it (RPC disposes parameters when the call returns). */
interface KeptCallback {
  call: CancelCallback;
  dispose: () => void;
}

const keepCallback = (callback: CancelCallback): KeptCallback => {
  const kept = (callback as CancelCallback & { dup?: () => CancelCallback }).dup?.() ?? callback;
  return { call: kept, dispose: () => (kept as Partial<Disposable>)[Symbol.dispose]?.() };
};

const clampRetryAfter = (ms: number): number => Math.round(Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, ms)));

const sameAttempt = (a: JobAttempt, b: JobAttempt): boolean => a.jobId === b.jobId && a.attemptsMade === b.attemptsMade;

const etagMatches = (ifMatch: string, version: number | null): boolean => entityTagMatches(ifMatch, version === null ? undefined : String(version));

export class QueueCoordinator extends DurableObject<Env> {
  #registration: Registration | null = null;
  #deletedVersion = 0;
  readonly #leases = new Map<string, Lease>();
  readonly #waiters: Waiter[] = [];
  /** Per lease, how to abort its call (memory only: after a restart a cancel finds none and the lease simply ends). */
  readonly #cancellers = new Map<string, KeptCallback>();
  /** Recently cancelled job ids and until when they get no slot (memory only, like the leases' callbacks). */
  readonly #cancelledJobs = new Map<string, number>();
  #totals = emptyTotals();
  #lastError: QueueStats['lastError'] = null;
  readonly #latency = new LatencyWindow();
  #statsDirty = false;
  /** Memory only: a restart forgets them, which no write per dispatch would be worth. */
  readonly #acceptedSignatures = new ReplayGuard(MAX_REMEMBERED_SIGNATURES);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      // Leases live in storage so a restarted object still counts calls that are in flight.
      for (const lease of (await ctx.storage.list<Lease>({ prefix: LEASE_PREFIX })).values()) this.#leases.set(lease.id, lease);
      this.#registration = (await ctx.storage.get<Registration>(REGISTRATION_KEY)) ?? null;
      this.#deletedVersion = (await ctx.storage.get<number>(TOMBSTONE_KEY)) ?? 0;
      const stats = await ctx.storage.get<PersistedStats>(STATS_KEY);
      if (stats) {
        this.#totals = { ...emptyTotals(), ...stats.totals };
        this.#lastError = stats.lastError;
      }
    });
  }

  // ---- registration -----------------------------------------------------------------------

  async getRegistration(): Promise<Registration | null> {
    return this.#registration;
  }

  /** PUT (replace) or PATCH (merge), honouring If-Match; writes storage, then the KV copy. */
  async writeRegistration(request: WriteRegistrationRequest): Promise<WriteRegistrationResult> {
    return this.ctx.blockConcurrencyWhile(async () => {
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
      // KV first: if it fails nothing has changed and the admin can simply retry.
      if (!(await this.#writeKv(() => this.env.REGISTRATIONS.put(registrationKey(registration.name), JSON.stringify(registration))))) {
        return { status: 503 };
      }
      await this.ctx.storage.put(REGISTRATION_KEY, registration);
      this.#registration = registration;
      // A higher limit, a pause or a deletion changes what the line gets at once.
      this.#serveWaiters();
      return { status: current ? 200 : 201, registration };
    });
  }

  async deleteRegistration(ifMatch?: string): Promise<DeleteRegistrationResult> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const current = this.#registration;
      if (!current) return { status: 404 };
      if (ifMatch !== undefined && !etagMatches(ifMatch, current.version)) return { status: 412, currentVersion: current.version };
      if (!(await this.#writeKv(() => this.env.REGISTRATIONS.delete(registrationKey(current.name))))) return { status: 503 };
      // The version survives deletion so a re-created queue never reuses an ETag.
      await this.ctx.storage.put(TOMBSTONE_KEY, current.version);
      await this.ctx.storage.delete(REGISTRATION_KEY);
      this.#deletedVersion = current.version;
      this.#registration = null;
      this.#serveWaiters();
      return { status: 204 };
    });
  }

  // ---- slots ------------------------------------------------------------------------------

  /**
   * A slot for one dispatch, or why not. Waits in a FIFO line up to `maxWaitMs` when all are busy.
   * A replayed signature, or a second dispatch of a job attempt that is still running, gets none.
   */
  async acquire({ jobId, attemptsMade, maxWaitMs, signature, onCancel }: AcquireRequest): Promise<AcquireResult> {
    if (signature && this.#replayed(signature)) return { status: 'replayed' };
    const registration = this.#registration;
    if (!registration) return { status: 'unknown' };
    if (registration.paused) return this.#refuse('paused', PAUSED_RETRY_AFTER_MS);
    this.#reclaimExpired(Date.now());
    const attempt = { jobId, attemptsMade };
    const cancelledForMs = this.#cancelledForMs(jobId);
    if (cancelledForMs > 0) return this.#refuse('in_flight', clampRetryAfter(cancelledForMs));
    const duplicateWaitMs = this.#duplicateWaitMs(attempt);
    if (duplicateWaitMs !== undefined) return this.#refuse('in_flight', duplicateWaitMs);
    if (this.#waiters.length === 0 && this.#leases.size < registration.concurrency) return this.#grant(registration, attempt, onCancel);
    if (maxWaitMs <= 0 || this.#waiters.length >= registration.concurrency * MAX_WAITERS_PER_SLOT) {
      return this.#refuse('busy', this.#estimateWaitMs(this.#waiters.length));
    }
    return new Promise<AcquireResult>((resolve) => {
      const waiter: Waiter = {
        ...attempt,
        ...(onCancel ? { onCancel } : {}),
        resolve,
        timer: setTimeout(() => {
          const index = this.#waiters.indexOf(waiter);
          if (index === -1) return;
          this.#waiters.splice(index, 1);
          resolve(this.#refuse('busy', this.#estimateWaitMs(index)));
        }, maxWaitMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Slots for a batch in one round trip: as many as are free right now, without waiting, and none
   * while others wait in line (they came first). The rest of the batch calls `acquire` per job,
   * from the first job whose attempt is already running (`acquire` answers that one).
   */
  async acquireMany(jobs: JobAttempt[], signature?: AcceptedSignature, onCancel?: CancelCallback): Promise<AcquireManyResult> {
    if (signature && this.#replayed(signature)) return { status: 'replayed' };
    const registration = this.#registration;
    if (!registration) return { status: 'unknown' };
    if (registration.paused) {
      this.#totals.throttled += jobs.length;
      this.#persistStats();
      return { status: 'throttled', reason: 'paused', retryAfterMs: PAUSED_RETRY_AFTER_MS };
    }
    this.#reclaimExpired(Date.now());
    const free = this.#waiters.length > 0 ? 0 : Math.max(0, registration.concurrency - this.#leases.size);
    const grants: SlotGrant[] = [];
    for (const job of jobs) {
      if (grants.length >= free || this.#duplicateWaitMs(job) !== undefined || this.#cancelledForMs(job.jobId) > 0) break;
      grants.push(this.#grant(registration, { jobId: job.jobId, attemptsMade: job.attemptsMade }, onCancel));
    }
    return { status: 'granted', grants };
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
    this.#totals.throttledBudget += budgetRefused;
    const released: string[] = [];
    for (const { leaseId, report } of releases) {
      if (this.#leases.delete(leaseId)) released.push(leaseKey(leaseId));
      this.#forgetCanceller(leaseId);
      this.#record(report);
    }
    if (released.length > 0) void this.ctx.storage.delete(released, UNCONFIRMED);
    this.#serveWaiters();
  }

  /** Aborts the running feature calls of `jobId` (an operator's cancel); answers how many were told. */
  async cancel(jobId: string): Promise<number> {
    const now = Date.now();
    for (const [id, until] of this.#cancelledJobs) if (until <= now) this.#cancelledJobs.delete(id);
    this.#cancelledJobs.set(jobId, now + CANCELLED_MEMORY_MS);
    for (const waiter of this.#waiters.filter((w) => w.jobId === jobId)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      clearTimeout(waiter.timer);
      waiter.resolve(this.#refuse('in_flight', CANCELLED_MEMORY_MS));
    }
    let told = 0;
    for (const lease of this.#leases.values()) {
      const canceller = lease.jobId === jobId ? this.#cancellers.get(lease.id) : undefined;
      if (!canceller) continue;
      try {
        await canceller.call(jobId);
        told++;
      } catch (error) {
        // The dispatching request is gone; its lease ends by release or expiry as usual.
        console.error('could not reach the isolate running a cancelled call', { jobId, error: String(error) });
      }
    }
    return told;
  }

  async stats(): Promise<QueueStats> {
    this.#reclaimExpired(Date.now());
    return {
      registration: this.#registration,
      inFlight: this.#leases.size,
      limit: this.#registration?.concurrency ?? 0,
      waiting: this.#waiters.length,
      totals: { ...this.#totals },
      latencyMs: { p50: this.#latency.percentile(50), p95: this.#latency.percentile(95) },
      lastError: this.#lastError,
    };
  }

  async ping(): Promise<'pong'> {
    return 'pong';
  }

  override async alarm(): Promise<void> {
    this.#reclaimExpired(Date.now());
    this.#serveWaiters();
    await this.#scheduleAlarm();
  }

  // ---- internals --------------------------------------------------------------------------

  /** A failed KV write must not escape blockConcurrencyWhile, which would reset the object. */
  async #writeKv(write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      console.error('writing the KV copy of a registration failed', { error: String(error) });
      return false;
    }
  }

  /** True when the signature was accepted before (by any isolate: they all ask this one object). */
  #replayed({ mac, validUntil }: AcceptedSignature): boolean {
    return !this.#acceptedSignatures.claim(mac, validUntil);
  }

  #grant(registration: Registration, { jobId, attemptsMade }: JobAttempt, onCancel?: CancelCallback): SlotGrant {
    const now = Date.now();
    const lease: Lease = { id: crypto.randomUUID(), jobId, attemptsMade, acquiredAt: now, expiresAt: now + registration.timeoutMs + LEASE_GRACE_MS };
    this.#leases.set(lease.id, lease);
    if (onCancel) this.#cancellers.set(lease.id, keepCallback(onCancel));
    void this.ctx.storage.put(leaseKey(lease.id), lease, UNCONFIRMED);
    this.#totals.dispatched++;
    void this.#scheduleAlarm();
    return { status: 'granted', leaseId: lease.id, endpoint: registration.endpoint, path: registration.path, timeoutMs: registration.timeoutMs };
  }

  /** How much longer a cancelled job is refused a slot; 0 when it is not. */
  #cancelledForMs(jobId: string): number {
    return Math.max(0, (this.#cancelledJobs.get(jobId) ?? 0) - Date.now());
  }

  #forgetCanceller(leaseId: string): void {
    this.#cancellers.get(leaseId)?.dispose();
    this.#cancellers.delete(leaseId);
  }

  #refuse(reason: 'busy' | 'paused' | 'in_flight', retryAfterMs: number): AcquireResult {
    this.#totals.throttled++;
    this.#persistStats();
    return { status: 'throttled', reason, retryAfterMs };
  }

  /**
   * When a caller `position` places behind the current line could expect a slot: the soonest
   * expected end of a running call, plus one typical call per full round of slots ahead of it.
   */
  #estimateWaitMs(position: number): number {
    const registration = this.#registration;
    if (!registration) return MAX_RETRY_AFTER_MS;
    const typical = this.#typicalCallMs(registration);
    let soonest = Number.POSITIVE_INFINITY;
    for (const lease of this.#leases.values()) soonest = Math.min(soonest, this.#expectedEndMs(lease, typical));
    const first = Number.isFinite(soonest) ? soonest : 0;
    const rounds = Math.floor(position / registration.concurrency);
    return clampRetryAfter(first + rounds * typical);
  }

  /**
   * When the same job attempt, already running or waiting in line, should be done (a redispatch
   * after a bridge stall or an edge fault while the first call still runs); undefined when it is not.
   */
  #duplicateWaitMs(attempt: JobAttempt): number | undefined {
    const registration = this.#registration;
    if (!registration) return undefined;
    const typical = this.#typicalCallMs(registration);
    for (const lease of this.#leases.values()) if (sameAttempt(lease, attempt)) return clampRetryAfter(this.#expectedEndMs(lease, typical));
    const position = this.#waiters.findIndex((waiter) => sameAttempt(waiter, attempt));
    return position === -1 ? undefined : clampRetryAfter(this.#estimateWaitMs(position) + typical);
  }

  #typicalCallMs(registration: Registration): number {
    return this.#latency.percentile(50) ?? Math.min(registration.timeoutMs / 2, UNMEASURED_CALL_MS);
  }

  /** How long until a running call is expected to end: a typical call, at most its lease. */
  #expectedEndMs(lease: Lease, typical: number): number {
    return Math.max(0, Math.min(lease.acquiredAt + typical, lease.expiresAt) - Date.now());
  }

  #serveWaiters(): void {
    const registration = this.#registration;
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0];
      if (!registration) {
        this.#waiters.shift();
        clearTimeout(waiter.timer);
        waiter.resolve({ status: 'unknown' });
      } else if (registration.paused) {
        this.#waiters.shift();
        clearTimeout(waiter.timer);
        waiter.resolve(this.#refuse('paused', PAUSED_RETRY_AFTER_MS));
      } else if (this.#leases.size < registration.concurrency) {
        this.#waiters.shift();
        clearTimeout(waiter.timer);
        waiter.resolve(this.#grant(registration, { jobId: waiter.jobId, attemptsMade: waiter.attemptsMade }, waiter.onCancel));
      } else {
        return;
      }
    }
  }

  #reclaimExpired(now: number): void {
    const reclaimed: string[] = [];
    for (const lease of this.#leases.values()) {
      if (lease.expiresAt <= now) {
        this.#leases.delete(lease.id);
        this.#forgetCanceller(lease.id);
        reclaimed.push(leaseKey(lease.id));
      }
    }
    if (reclaimed.length > 0) {
      void this.ctx.storage.delete(reclaimed, UNCONFIRMED);
      this.#totals.leasesExpired += reclaimed.length;
      this.#persistStats();
    }
  }

  async #scheduleAlarm(): Promise<void> {
    let earliest = Number.POSITIVE_INFINITY;
    for (const lease of this.#leases.values()) earliest = Math.min(earliest, lease.expiresAt);
    if (!Number.isFinite(earliest)) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > earliest || current < Date.now()) await this.ctx.storage.setAlarm(earliest);
  }

  #record(report: ReleaseReport): void {
    switch (report.kind) {
      case 'completed':
        this.#totals.completed++;
        break;
      case 'failed_retryable':
        this.#totals.failedRetryable++;
        break;
      case 'failed_final':
        this.#totals.failedFinal++;
        break;
      case 'throttled':
        this.#totals.throttled++;
        break;
    }
    if (report.kind !== 'throttled') this.#latency.add(report.durationMs);
    if (report.error && report.kind !== 'completed') {
      this.#lastError = { ...report.error, jobId: report.jobId, at: new Date().toISOString() };
    }
    this.#persistStats();
  }

  /** Figures are written at most once per STATS_FLUSH_MS: a crash loses a second of counts, not a write per job. */
  #persistStats(): void {
    if (this.#statsDirty) return;
    this.#statsDirty = true;
    setTimeout(() => {
      this.#statsDirty = false;
      const stats: PersistedStats = { totals: this.#totals, lastError: this.#lastError };
      void this.ctx.storage.put(STATS_KEY, stats);
    }, STATS_FLUSH_MS);
  }
}
