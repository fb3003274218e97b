// The coordinator's slots as a plain class: exact limits, a reservation written per call that
// outgrew it (not per lease), and a restarted coordinator that still counts the calls running.

import { describe, expect, it } from 'vitest';
import type { Registration } from '../../../src/protocol.ts';
import { Figures } from '../../../worker/coordinator/figures.ts';
import { countedForMs } from '../../../worker/coordinator/rate-window.ts';
import { LEASE_GRACE_MS, RESERVATION_SLACK_MS, Slots, type Reservation } from '../../../worker/coordinator/slots.ts';
import type { AcquireResult, SlotGrant } from '../../../worker/coordinator/types.ts';

const TIMEOUT_MS = 10_000;

const registration = (overrides: Partial<Registration> = {}): Registration => ({
  name: 'slots',
  endpoint: 'http://feature.test',
  path: '/internal/process-job',
  concurrency: 3,
  timeoutMs: TIMEOUT_MS,
  retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 1000, maxDelayMs: 300_000, jitter: 0.2 } },
  paused: false,
  version: 1,
  updatedAt: '2026-11-28T00:00:00.000Z',
  ...overrides,
});

const setup = (options: { inherited?: Reservation; registration?: Partial<Registration> } = {}) => {
  let now = 1_000_000;
  const written: Reservation[] = [];
  const figures = new Figures();
  let current = registration(options.registration);
  const slots = new Slots({ registration: () => current, figures, inherited: options.inherited, persist: (r) => written.push({ ...r }), now: () => now });
  /** A PATCH as the coordinator applies it: the next call reads the new registration. */
  const patch = (overrides: Partial<Registration>) => void (current = { ...current, ...overrides });
  return { slots, figures, written, patch, advance: (ms: number) => (now += ms), now: () => now };
};

const granted = (result: AcquireResult | Promise<AcquireResult>): SlotGrant => {
  if (result instanceof Promise || result.status !== 'granted') throw new Error(`expected a slot, got ${JSON.stringify(result)}`);
  return result;
};

const job = (jobId: string) => ({ jobId, attemptsMade: 0 });
const done = (leaseId: string, jobId = 'x') => ({ leaseId, report: { kind: 'completed' as const, durationMs: 5, jobId } });

describe('Slots', () => {
  it('grants up to the limit, refuses the next as busy, and gives a slot back on release', () => {
    const { slots, figures } = setup();
    const batch = slots.acquireMany([job('a'), job('b'), job('c'), job('d')]);
    expect(batch.status === 'granted' && batch.grants).toHaveLength(3);
    expect(slots.acquire({ ...job('e'), maxWaitMs: 0 })).toMatchObject({ status: 'throttled', reason: 'busy' });
    if (batch.status !== 'granted') throw new Error('expected grants');
    slots.release([done(batch.grants[0].leaseId)]);
    granted(slots.acquire({ ...job('e'), maxWaitMs: 0 }));
    expect(figures.view().totals).toMatchObject({ dispatched: 4, completed: 1, throttled: 1 });
  });

  it('writes one reservation per call that outgrew it, not one per lease, and none while the written one covers the calls', () => {
    const { slots, written, advance, now } = setup();
    const first = slots.acquireMany([job('a'), job('b'), job('c')]);
    const slack = Math.min(RESERVATION_SLACK_MS.max, Math.max(RESERVATION_SLACK_MS.min, TIMEOUT_MS + LEASE_GRACE_MS));
    expect(written).toEqual([{ count: 3, until: now() + TIMEOUT_MS + LEASE_GRACE_MS + slack }]);
    if (first.status !== 'granted') throw new Error('expected grants');
    // Calls end and start again within the slack: nothing to write.
    for (let round = 0; round < 20; round++) {
      advance(100);
      slots.release([done(first.grants[0].leaseId)]);
      first.grants[0] = granted(slots.acquire({ ...job(`again-${round}`), maxWaitMs: 0 }));
    }
    expect(written).toHaveLength(1);
    // Past the slack the newest lease outlives the reservation: one write extends it.
    advance(slack);
    slots.release([done(first.grants[0].leaseId)]);
    granted(slots.acquire({ ...job('later'), maxWaitMs: 0 }));
    expect(written).toHaveLength(2);
    expect(written[1].until).toBeGreaterThan(now() + TIMEOUT_MS);
  });

  it('keeps its peak while calls run and clears the reservation once none do', () => {
    const { slots, written } = setup();
    const batch = slots.acquireMany([job('a'), job('b')]);
    if (batch.status !== 'granted') throw new Error('expected grants');
    slots.release([done(batch.grants[0].leaseId)]);
    expect(slots.overReserved).toBe(false);
    slots.shrinkReservation();
    const again = granted(slots.acquire({ ...job('c'), maxWaitMs: 0 }));
    expect(written).toHaveLength(1);
    slots.release([done(batch.grants[1].leaseId), done(again.leaseId)]);
    expect(slots.overReserved).toBe(true);
    slots.shrinkReservation();
    expect(written).toEqual([expect.objectContaining({ count: 2 }), { count: 0, until: 0 }]);
    expect(slots.overReserved).toBe(false);
  });

  it("after a restart counts the previous incarnation's calls: each release gives one back, the rest expire", () => {
    const { slots, figures, advance, now } = setup({ inherited: { count: 2, until: 1_000_000 + 5_000 } });
    expect(slots.inFlight).toBe(2);
    granted(slots.acquire({ ...job('a'), maxWaitMs: 0 }));
    expect(slots.acquire({ ...job('b'), maxWaitMs: 0 })).toMatchObject({ status: 'throttled', reason: 'busy' });
    // A lease id this incarnation never gave: one of the earlier calls ended.
    slots.release([done('0ld3p0ch.7')]);
    expect(slots.inFlight).toBe(2);
    granted(slots.acquire({ ...job('b'), maxWaitMs: 0 }));
    advance(5_000);
    expect(now()).toBe(1_005_000);
    slots.reclaimExpired();
    expect(slots.inFlight).toBe(2);
    expect(figures.view().totals.leasesExpired).toBe(1);
  });

  it('ignores a reservation that has already run out', () => {
    const { slots } = setup({ inherited: { count: 3, until: 999_999 } });
    expect(slots.inFlight).toBe(0);
  });

  it('hands a cancelled job no slot for a while and answers how to abort its running call', () => {
    const { slots } = setup();
    const aborted: string[] = [];
    granted(slots.acquire({ ...job('victim'), maxWaitMs: 0, onCancel: (id) => aborted.push(id) }));
    const cancellers = slots.cancel('victim');
    expect(cancellers).toHaveLength(1);
    cancellers[0].call('victim');
    expect(aborted).toEqual(['victim']);
    expect(slots.acquire({ jobId: 'victim', attemptsMade: 1, maxWaitMs: 0 })).toMatchObject({ status: 'throttled', reason: 'in_flight' });
  });

  it('serves the line in order when a slot comes back', async () => {
    const { slots } = setup({ registration: { concurrency: 1 } });
    const holder = granted(slots.acquire({ ...job('holder'), maxWaitMs: 0 }));
    const first = slots.acquire({ ...job('first'), maxWaitMs: 10_000 });
    const second = slots.acquire({ ...job('second'), maxWaitMs: 10_000 });
    expect(slots.waiting).toBe(2);
    slots.release([done(holder.leaseId)]);
    const firstGrant = granted(await first);
    expect(slots.waiting).toBe(1);
    slots.release([done(firstGrant.leaseId)]);
    granted(await second);
  });

  describe('with a rateLimit', () => {
    const RATE = { max: 2, perMs: 1_000 };
    const COUNTED_MS = countedForMs(RATE);

    it('holds both limits at once: the rate refuses with the exact wait, concurrency as busy', () => {
      const { slots, figures, advance } = setup({ registration: { concurrency: 3, rateLimit: RATE } });
      const batch = slots.acquireMany([job('a'), job('b'), job('c')]);
      // Three slots are free but only two starts are allowed in the window: the third is told at once.
      expect(batch.status === 'granted' && batch.grants).toHaveLength(2);
      expect(batch.status === 'granted' && batch.rest).toEqual({ status: 'throttled', reason: 'rate', retryAfterMs: COUNTED_MS });
      advance(300);
      expect(slots.acquire({ ...job('c'), maxWaitMs: 5_000 })).toEqual({ status: 'throttled', reason: 'rate', retryAfterMs: COUNTED_MS - 300 });
      expect(slots.rate).toEqual({ ...RATE, started: 2 });
      advance(COUNTED_MS - 300);
      const third = granted(slots.acquire({ ...job('c'), maxWaitMs: 0 }));
      // A window later the rate has room, but the three slots are taken.
      advance(COUNTED_MS);
      expect(slots.acquire({ ...job('d'), maxWaitMs: 0 })).toMatchObject({ status: 'throttled', reason: 'busy' });
      if (batch.status !== 'granted') throw new Error('expected grants');
      slots.release([...batch.grants, third].map(({ leaseId }) => done(leaseId)));
      granted(slots.acquire({ ...job('d'), maxWaitMs: 0 }));
      granted(slots.acquire({ ...job('e'), maxWaitMs: 0 }));
      // A slot is free, the rate is not.
      expect(slots.acquire({ ...job('f'), maxWaitMs: 0 })).toEqual({ status: 'throttled', reason: 'rate', retryAfterMs: COUNTED_MS });
      expect(figures.view().totals).toMatchObject({ dispatched: 5, throttled: 4 });
    });

    it('answers a batch the line or the limit stopped, not the rate, without rest: those jobs ask one by one', () => {
      const { slots } = setup({ registration: { concurrency: 1, rateLimit: RATE } });
      const batch = slots.acquireMany([job('a'), job('b')]);
      expect(batch).toMatchObject({ status: 'granted', grants: [{ status: 'granted' }] });
      expect(batch.status === 'granted' && batch.rest).toBeUndefined();
    });

    it('tells a caller waiting in line for a slot the rate wait instead of holding it', async () => {
      const { slots, advance } = setup({ registration: { concurrency: 1, rateLimit: RATE } });
      const holder = granted(slots.acquire({ ...job('holder'), maxWaitMs: 0 }));
      const waiter = slots.acquire({ ...job('waiter'), maxWaitMs: 10_000 });
      advance(100);
      granted(await (slots.release([done(holder.leaseId)]), waiter));
      const next = slots.acquire({ ...job('next'), maxWaitMs: 0 });
      expect(next).toMatchObject({ status: 'throttled', reason: 'rate', retryAfterMs: COUNTED_MS - 100 });
      expect(slots.waiting).toBe(0);
    });

    it('applies a PATCH to the very next dispatch, and null removes the limit', () => {
      const { slots, patch, advance } = setup({ registration: { concurrency: 10 } });
      for (const id of ['a', 'b', 'c']) granted(slots.acquire({ ...job(id), maxWaitMs: 0 }));
      patch({ rateLimit: { max: 1, perMs: 1_000 } });
      advance(10);
      // Started before the limit existed, they are not counted: the first start under it goes.
      granted(slots.acquire({ ...job('d'), maxWaitMs: 0 }));
      expect(slots.acquire({ ...job('e'), maxWaitMs: 0 })).toMatchObject({ status: 'throttled', reason: 'rate', retryAfterMs: countedForMs({ max: 1, perMs: 1_000 }) });
      patch({ rateLimit: undefined });
      granted(slots.acquire({ ...job('e'), maxWaitMs: 0 }));
      expect(slots.rate).toBeNull();
    });
  });
});
