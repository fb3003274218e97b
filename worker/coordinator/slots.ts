// A queue's global concurrency slots: the leases held, the fair line of callers waiting for one,
// grants, reclaiming the slots of callers that vanished, and how long a refused caller should wait.
// Plain state; the coordinator (queue-coordinator.ts) persists its reservation so that a restarted
// coordinator still counts calls that were running: not a row per lease, but a count with an
// expiry, rewritten only when the calls in flight outgrow it (in powers of two, about once per
// RESERVATION_SLACK_MS on a steadily busy queue), and cleared once none run. After a restart
// it may count more calls than ran (up to twice the peak since the queue was last quiet, within
// the limit); those extra slots come back at the reservation's end, a lease plus its slack later.

import type { Registration } from '../../src/protocol.ts';
import type { Figures } from './figures.ts';
import { RateWindow } from './rate-window.ts';
import type { AcquireManyResult, AcquireRequest, AcquireResult, CancelCallback, JobAttempt, QueueStats, Release, SlotGrant } from './types.ts';

/** A lease outlives its call's timeout by this much before the slot is taken back. */
export const LEASE_GRACE_MS = 2_000;
/** Told to callers of a paused queue: check back in a while, the pause is an operator's decision. */
export const PAUSED_RETRY_AFTER_MS = 5_000;
/**
 * How far past the newest lease's end a written reservation reaches: a busy queue rewrites it about
 * this often. One lease's length, within these bounds: after a restart, slots whose release never
 * comes are held at most that much longer than their lease.
 */
export const RESERVATION_SLACK_MS = { min: 5_000, max: 30_000 };
const MIN_RETRY_AFTER_MS = 50;
/** Until a queue has measured calls, a call is assumed to take this long (capped at half the timeout). */
const UNMEASURED_CALL_MS = 1_000;
const MAX_RETRY_AFTER_MS = 30_000;
/** A line longer than this turns newcomers away at once; they would only time out in it. */
const MAX_WAITERS_PER_SLOT = 4;
/**
 * A cancelled job's dispatch may still be on its way (sent just before the cancel, or waiting in
 * line): for this long the job gets no slot, so the feature is not called for a job the bridge has
 * already failed. The answer is a plain `in_flight` throttle, uncharged: an operator's retry of the
 * job within this time is only delayed, never failed.
 */
const CANCELLED_MEMORY_MS = 10_000;

/** Up to `count` slots may be in use until `until` (ms): what storage must hold for a restart. */
export interface Reservation {
  count: number;
  until: number;
}

const NO_RESERVATION: Reservation = { count: 0, until: 0 };

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

/** A callback kept past the RPC call that brought it (RPC disposes parameters when the call returns). */
export interface KeptCallback {
  call: CancelCallback;
  dispose: () => void;
}

const keepCallback = (callback: CancelCallback): KeptCallback => {
  const kept = (callback as CancelCallback & { dup?: () => CancelCallback }).dup?.() ?? callback;
  return { call: kept, dispose: () => (kept as Partial<Disposable>)[Symbol.dispose]?.() };
};

const clampRetryAfter = (ms: number): number => Math.round(Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, ms)));

/** The exact wait, in whole milliseconds (rounded up: never a moment too early). */
const rateRetryAfter = (ms: number): number => Math.max(1, Math.ceil(ms));

const sameAttempt = (a: JobAttempt, b: JobAttempt): boolean => a.jobId === b.jobId && a.attemptsMade === b.attemptsMade;

export interface SlotsOptions {
  /** The queue's current registration (the coordinator's authoritative copy). */
  registration: () => Registration | null;
  figures: Figures;
  /** The reservation a previous incarnation left in storage: its calls may still run. */
  inherited?: Reservation | null;
  /** The rate window's starts a previous incarnation left in storage. */
  inheritedStarts?: number[] | null;
  /** Async attempts waiting for their callback: each holds a slot without a lease (deferrals.ts). */
  held?: () => number;
  /** Writes a reservation; called before the answer that needs it leaves (once per call that granted). */
  persist: (reservation: Reservation) => void;
  now?: () => number;
}

export class Slots {
  readonly #registration: () => Registration | null;
  readonly #figures: Figures;
  readonly #now: () => number;
  readonly #persist: (reservation: Reservation) => void;
  readonly #held: () => number;
  /** Lease ids carry it, so a release of a previous incarnation's lease is told apart. */
  readonly #epoch = crypto.randomUUID().slice(0, 8);
  #sequence = 0;
  readonly #leases = new Map<string, Lease>();
  readonly #waiters: Waiter[] = [];
  readonly #rate: RateWindow;
  /** Per lease, how to abort its call (memory only: after a restart a cancel finds none and the lease simply ends). */
  readonly #cancellers = new Map<string, KeptCallback>();
  /** Recently cancelled job ids and until when they get no slot. */
  readonly #cancelledJobs = new Map<string, number>();
  /** A previous incarnation's calls: each of their releases gives one back, the rest end at `until`. */
  #inherited: Reservation;
  /** What storage holds now; it always covers every slot in use. */
  #written: Reservation;
  /** While callers wait: takes back the soonest expiring lease for them. */
  #reclaimTimer: ReturnType<typeof setTimeout> | undefined;

  constructor({ registration, figures, inherited, inheritedStarts, persist, held = () => 0, now = Date.now }: SlotsOptions) {
    this.#held = held;
    this.#rate = new RateWindow(inheritedStarts ?? []);
    this.#registration = registration;
    this.#persist = persist;
    this.#figures = figures;
    this.#now = now;
    this.#inherited = inherited && inherited.until > now() ? { ...inherited } : NO_RESERVATION;
    this.#written = this.#inherited;
  }

  get inFlight(): number {
    return this.#leases.size + this.#inherited.count + this.#held();
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** The start log, for the coordinator's flush: it counts on a restart. */
  get rateWindow(): Pick<RateWindow, 'dirty' | 'persisted'> {
    return this.#rate;
  }

  /** The queue's `rateLimit` and the calls started in its current window; null without one. */
  get rate(): QueueStats['rate'] {
    const limit = this.#registration()?.rateLimit;
    return limit ? { ...limit, started: this.#rate.started(limit, this.#now()) } : null;
  }

  /**
   * A slot for one dispatch, or why not. Waits in a FIFO line up to `maxWaitMs` when all are busy.
   * A second dispatch of a job attempt that is still running gets none.
   */
  acquire({ jobId, attemptsMade, maxWaitMs, onCancel }: Omit<AcquireRequest, 'signature'>): AcquireResult | Promise<AcquireResult> {
    const registration = this.#registration();
    if (!registration) return { status: 'unknown' };
    if (registration.paused) return this.#refuse('paused', PAUSED_RETRY_AFTER_MS);
    this.reclaimExpired();
    const attempt = { jobId, attemptsMade };
    const cancelledForMs = this.#cancelledForMs(jobId);
    if (cancelledForMs > 0) return this.#refuse('in_flight', clampRetryAfter(cancelledForMs));
    const duplicateWaitMs = this.#duplicateWaitMs(attempt);
    if (duplicateWaitMs !== undefined) return this.#refuse('in_flight', duplicateWaitMs);
    // Over the rate nobody may start, whatever the line: told the exact wait rather than held in line.
    const rateWaitMs = this.#rate.waitMs(registration.rateLimit, this.#now());
    if (rateWaitMs > 0) return this.#refuse('rate', rateRetryAfter(rateWaitMs));
    if (this.#waiters.length === 0 && this.inFlight < registration.concurrency) {
      const grant = this.#grant(registration, attempt, onCancel);
      this.#reserve();
      return grant;
    }
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
          this.#settleReclaimTimer();
          resolve(this.#refuse('busy', this.#estimateWaitMs(index)));
        }, maxWaitMs),
      };
      this.#waiters.push(waiter);
      this.#settleReclaimTimer();
    });
  }

  /**
   * Slots for a batch at once: as many as are free right now, without waiting, and none while
   * others wait in line (they came first). The rest of the batch calls `acquire` per job, unless
   * the rate stopped it: then `rest` answers them all.
   */
  acquireMany(jobs: JobAttempt[], onCancel?: CancelCallback): AcquireManyResult {
    const registration = this.#registration();
    if (!registration) return { status: 'unknown' };
    if (registration.paused) {
      this.#figures.count('throttled', jobs.length);
      return { status: 'throttled', reason: 'paused', retryAfterMs: PAUSED_RETRY_AFTER_MS };
    }
    this.reclaimExpired();
    const free = this.#waiters.length > 0 ? 0 : Math.min(Math.max(0, registration.concurrency - this.inFlight), this.#rate.room(registration.rateLimit, this.#now()));
    const grants: SlotGrant[] = [];
    for (const job of jobs) {
      if (grants.length >= free || this.#duplicateWaitMs(job) !== undefined || this.#cancelledForMs(job.jobId) > 0) break;
      grants.push(this.#grant(registration, { jobId: job.jobId, attemptsMade: job.attemptsMade }, onCancel));
    }
    this.#reserve();
    // Past the rate no job of the rest may start, whatever else kept it: one answer spares each its own call.
    const rateWaitMs = grants.length < jobs.length ? this.#rate.waitMs(registration.rateLimit, this.#now()) : 0;
    if (rateWaitMs === 0) return { status: 'granted', grants };
    this.#figures.count('throttled', jobs.length - grants.length);
    return { status: 'granted', grants, rest: { status: 'throttled', reason: 'rate', retryAfterMs: rateRetryAfter(rateWaitMs) } };
  }

  /** Gives slots back and records how each dispatch ended. Unknown lease ids (expired) only count. */
  release(releases: Release[]): void {
    for (const { leaseId, report } of releases) {
      if (!this.#leases.delete(leaseId) && !leaseId.startsWith(`${this.#epoch}.`) && this.#inherited.count > 0) {
        this.#inherited = { ...this.#inherited, count: this.#inherited.count - 1 };
      }
      this.#forgetCanceller(leaseId);
      this.#figures.record(report);
    }
    this.serveWaiters();
  }

  /** An operator's cancel: `jobId` leaves the line, gets no slot for a while; answers how to abort its running calls. */
  cancel(jobId: string): KeptCallback[] {
    const now = this.#now();
    for (const [id, until] of this.#cancelledJobs) if (until <= now) this.#cancelledJobs.delete(id);
    this.#cancelledJobs.set(jobId, now + CANCELLED_MEMORY_MS);
    for (const waiter of this.#waiters.filter((w) => w.jobId === jobId)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      clearTimeout(waiter.timer);
      waiter.resolve(this.#refuse('in_flight', CANCELLED_MEMORY_MS));
    }
    this.#settleReclaimTimer();
    return [...this.#leases.values()].flatMap((lease) => (lease.jobId === jobId ? (this.#cancellers.get(lease.id) ?? []) : []));
  }

  /** Hands free slots to the line in order; after a release, an expiry or a registration change. */
  serveWaiters(): void {
    const registration = this.#registration();
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0];
      let answer: AcquireResult;
      if (!registration) answer = { status: 'unknown' };
      else if (registration.paused) answer = this.#refuse('paused', PAUSED_RETRY_AFTER_MS);
      else if (this.inFlight < registration.concurrency) {
        const rateWaitMs = this.#rate.waitMs(registration.rateLimit, this.#now());
        answer = rateWaitMs > 0 ? this.#refuse('rate', rateRetryAfter(rateWaitMs)) : this.#grant(registration, waiter, waiter.onCancel);
      } else break;
      this.#waiters.shift();
      clearTimeout(waiter.timer);
      waiter.resolve(answer);
    }
    this.#reserve();
    this.#settleReclaimTimer();
  }

  /** Takes back the slots of calls past their lease (their caller vanished). */
  reclaimExpired(): void {
    const now = this.#now();
    let expired = 0;
    for (const lease of this.#leases.values()) {
      if (lease.expiresAt > now) continue;
      this.#leases.delete(lease.id);
      this.#forgetCanceller(lease.id);
      expired++;
    }
    if (this.#inherited.count > 0 && this.#inherited.until <= now) {
      expired += this.#inherited.count;
      this.#inherited = NO_RESERVATION;
    }
    this.#figures.count('leasesExpired', expired);
  }


  /** True when no call runs but storage still reserves slots. */
  get overReserved(): boolean {
    return this.inFlight === 0 && this.#written.count > 0;
  }

  /**
   * On a quiet moment (the coordinator's alarm): no reservation once every call has ended. While
   * calls run it keeps its peak: shrinking it then would only be written again as calls start.
   */
  shrinkReservation(): void {
    this.reclaimExpired();
    if (!this.overReserved) return;
    this.#written = NO_RESERVATION;
    this.#persist(this.#written);
  }

  /** When a caller `position` places behind the current line could expect a slot. */
  #estimateWaitMs(position: number): number {
    const registration = this.#registration();
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
    const registration = this.#registration();
    if (!registration) return undefined;
    // Asked on every acquire, so the typical call (a percentile) is only worked out for a duplicate.
    for (const lease of this.#leases.values()) {
      if (sameAttempt(lease, attempt)) return clampRetryAfter(this.#expectedEndMs(lease, this.#typicalCallMs(registration)));
    }
    const position = this.#waiters.findIndex((waiter) => sameAttempt(waiter, attempt));
    return position === -1 ? undefined : clampRetryAfter(this.#estimateWaitMs(position) + this.#typicalCallMs(registration));
  }

  #typicalCallMs(registration: Registration): number {
    return this.#figures.typicalCallMs() ?? Math.min(registration.timeoutMs / 2, UNMEASURED_CALL_MS);
  }

  /** How long until a running call is expected to end: a typical call, at most its lease. */
  #expectedEndMs(lease: Lease, typical: number): number {
    return Math.max(0, Math.min(lease.acquiredAt + typical, lease.expiresAt) - this.#now());
  }

  #grant(registration: Registration, { jobId, attemptsMade }: JobAttempt, onCancel?: CancelCallback): SlotGrant {
    const now = this.#now();
    const id = `${this.#epoch}.${(this.#sequence++).toString(36)}`;
    this.#leases.set(id, { id, jobId, attemptsMade, acquiredAt: now, expiresAt: now + registration.timeoutMs + LEASE_GRACE_MS });
    this.#rate.record(registration.rateLimit, now);
    if (onCancel) this.#cancellers.set(id, keepCallback(onCancel));
    this.#figures.count('dispatched');
    return {
      status: 'granted',
      leaseId: id,
      endpoint: registration.endpoint,
      path: registration.path,
      timeoutMs: registration.timeoutMs,
      ...(registration.completion === 'async' ? { completion: 'async' as const } : {}),
    };
  }

  #refuse(reason: 'busy' | 'paused' | 'in_flight' | 'rate', retryAfterMs: number): AcquireResult {
    this.#figures.count('throttled');
    return { status: 'throttled', reason, retryAfterMs };
  }

  /** How much longer a cancelled job is refused a slot; 0 when it is not. */
  #cancelledForMs(jobId: string): number {
    return Math.max(0, (this.#cancelledJobs.get(jobId) ?? 0) - this.#now());
  }

  #forgetCanceller(leaseId: string): void {
    this.#cancellers.get(leaseId)?.dispose();
    this.#cancellers.delete(leaseId);
  }

  /**
   * After grants: a new reservation when the one in storage no longer covers every slot in use,
   * reaching RESERVATION_SLACK_MS past the newest lease's end so the next grants need none.
   */
  #reserve(): void {
    const needed = this.#needed();
    if (needed.count <= this.#written.count && needed.until <= this.#written.until) return;
    const registration = this.#registration();
    const slack = Math.min(RESERVATION_SLACK_MS.max, Math.max(RESERVATION_SLACK_MS.min, (registration?.timeoutMs ?? 0) + LEASE_GRACE_MS));
    // Rounded up to a power of two (within the limit): a queue ramping up to 50 calls writes 7 times, not per batch.
    const rounded = Math.min(Math.max(registration?.concurrency ?? 0, needed.count), 2 ** Math.ceil(Math.log2(Math.max(1, needed.count))));
    this.#written = { count: Math.max(rounded, this.#written.count), until: needed.until + slack };
    this.#persist(this.#written);
  }

  /** Slots in use and the latest moment one of them may still be. */
  #needed(): Reservation {
    let until = this.#inherited.count > 0 ? this.#inherited.until : 0;
    for (const lease of this.#leases.values()) until = Math.max(until, lease.expiresAt);
    // Deferred attempts are not in it: their own rows bring them back after a restart.
    return { count: this.#leases.size + this.#inherited.count, until };
  }

  /** A timer at the soonest lease end while callers wait, none otherwise (an idle object holds no timer). */
  #settleReclaimTimer(): void {
    clearTimeout(this.#reclaimTimer);
    this.#reclaimTimer = undefined;
    if (this.#waiters.length === 0) return;
    let soonest = this.#inherited.count > 0 ? this.#inherited.until : Number.POSITIVE_INFINITY;
    for (const lease of this.#leases.values()) soonest = Math.min(soonest, lease.expiresAt);
    if (!Number.isFinite(soonest)) return;
    this.#reclaimTimer = setTimeout(() => {
      this.#reclaimTimer = undefined;
      this.reclaimExpired();
      this.serveWaiters();
    }, Math.max(0, soonest - this.#now()));
  }
}
