// Registration schedules as BullMQ job schedulers, end to end: admin route → edge → two bridges →
// Redis → feature stub. Every bridge reconciles the schedulers, yet each tick runs once.

import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import type { ScheduleStatus } from '../../src/protocol.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { TestStack } from '../support/stack.ts';
import { nextUtc } from '../support/utc-clock.ts';
import { sleep, waitFor } from '../support/wait.ts';

const WINDOW_MS = 10_000;

let stack: TestStack;
let bridges: Bridge[];

beforeAll(async () => {
  stack = await TestStack.start();
  bridges = await Promise.all(['sched-a', 'sched-b'].map((id) => startBridge(bridgeEnv(stack.edge.url, stack.redis.port, { BRIDGE_ID: id }))));
});

afterAll(async () => {
  await Promise.all(bridges?.map((bridge) => bridge.close()) ?? []);
  await stack?.close();
});

const queueOf = (name: string): Queue => new Queue(name, { connection: stack.connection });

const schedulesShown = async (bridge: Bridge, queue: string): Promise<ScheduleStatus[] | undefined> =>
  (await bridge.status()).workers.find((w) => w.queue === queue)?.schedules;

describe('schedules', () => {
  it('everyMs 1000 with two bridges for 10 s: 9-11 runs, no tick twice, and nothing left pending once the schedule is dropped', async () => {
    const name = await stack.register('every', { schedules: [{ id: 'tick', everyMs: 1_000, data: { kind: 'tick' } }] });
    const startedAt = Date.now();
    await sleep(WINDOW_MS);
    await stack.edge.patchRegistration(name, { schedules: [] });
    const queue = queueOf(name);
    try {
      await waitFor(async () => (await queue.getJobSchedulersCount()) === 0, { what: 'the scheduler to be removed' });
      const stoppedAt = Date.now();
      const calls = stack.stub.requests(name).filter((r) => r.receivedAt < stoppedAt);
      const jobIds = calls.map((r) => (r.body as { jobId: string }).jobId);
      // Every call is a tick of the scheduler, each tick (its due time is in the id) reached the feature once.
      expect(jobIds.every((id) => /^repeat:schedule:tick:\d+$/.test(id))).toBe(true);
      expect(new Set(jobIds).size).toBe(jobIds.length);
      const windowTicks = calls.filter((r) => r.receivedAt - startedAt < WINDOW_MS).length;
      expect(windowTicks).toBeGreaterThanOrEqual(9);
      expect(windowTicks).toBeLessThanOrEqual(11);
      expect(calls.every((r) => r.signatureValid && (r.body as { data: unknown }).data !== undefined)).toBe(true);
      expect(await queue.getDelayedCount()).toBe(0);
    } finally {
      await queue.close();
    }
  }, 40_000);

  it('a cron schedule in a non-UTC time zone is due at the right minute, shown with its next run', async () => {
    const now = Date.now();
    const name = await stack.register('cron', {
      schedules: [
        // India is UTC+5:30 all year: 09:30 there is 04:00 UTC. A whole-hour or ignored offset would miss it.
        { id: 'kolkata', cron: '30 9 * * *', tz: 'Asia/Kolkata', data: { report: 'daily' } },
        // Berlin: 03:00 is 02:00 UTC in winter (CET), 01:00 UTC in summer (CEST).
        { id: 'berlin', cron: '0 3 * * *', tz: 'Europe/Berlin', data: {} },
        // No zone: UTC, whatever the bridge host's own zone is.
        { id: 'utc', cron: '15 6 * * *', data: {} },
      ],
    });
    const shown = await waitFor(async () => {
      const schedules = await schedulesShown(bridges[0], name);
      return schedules?.every((s) => s.nextRunAt) ? schedules : undefined;
    }, { what: 'the schedules in /internal/status' });
    const expectedKolkata = nextUtc(now, 4, 0);
    expect(shown).toEqual([
      { id: 'kolkata', cron: '30 9 * * *', tz: 'Asia/Kolkata', nextRunAt: new Date(expectedKolkata).toISOString() },
      { id: 'berlin', cron: '0 3 * * *', tz: 'Europe/Berlin', nextRunAt: expect.any(String) },
      { id: 'utc', cron: '15 6 * * *', nextRunAt: new Date(nextUtc(now, 6, 15)).toISOString() },
    ]);
    const berlin = Date.parse(shown[1].nextRunAt!);
    expect(new Date(berlin).getUTCHours() === 2 || new Date(berlin).getUTCHours() === 1).toBe(true);
    expect(new Date(berlin).getUTCMinutes()).toBe(0);

    // BullMQ's own pending job carries the same due time: what will actually run.
    const queue = queueOf(name);
    try {
      const delayed = await queue.getDelayed();
      const kolkataJob = delayed.find((job) => job.id?.startsWith('repeat:schedule:kolkata:'));
      expect(kolkataJob?.id).toBe(`repeat:schedule:kolkata:${expectedKolkata}`);
      expect(kolkataJob!.timestamp + kolkataJob!.delay).toBe(expectedKolkata);
      expect(kolkataJob!.data).toEqual({ report: 'daily' });
      expect(kolkataJob!.name).toBe('kolkata');
      expect(delayed).toHaveLength(3);
    } finally {
      await queue.close();
    }
  });

  it('a changed schedule is rescheduled, a dropped one removed, and deleting the registration removes the rest', async () => {
    const name = await stack.register('change', {
      schedules: [
        { id: 'keep', cron: '0 12 * * *', data: { v: 1 } },
        { id: 'drop', cron: '0 13 * * *', data: {} },
      ],
    });
    const queue = queueOf(name);
    try {
      await waitFor(async () => (await queue.getJobSchedulersCount()) === 2, { what: 'two schedulers' });
      await stack.edge.patchRegistration(name, { schedules: [{ id: 'keep', cron: '0 14 * * *', data: { v: 2 }, name: 'renamed' }] });
      const kept = await waitFor(async () => {
        const schedulers = await queue.getJobSchedulers(0, -1);
        return schedulers.length === 1 && schedulers[0].pattern === '0 14 * * *' ? schedulers[0] : undefined;
      }, { what: 'the changed schedule alone' });
      expect(kept).toMatchObject({ key: 'schedule:keep', name: 'renamed', template: { data: { v: 2 } } });
      const delayed = await queue.getDelayed();
      expect(delayed.map((job) => job.id)).toEqual([`repeat:schedule:keep:${nextUtc(Date.now(), 14, 0)}`]);

      await stack.edge.deleteRegistration(name);
      await waitFor(async () => (await queue.getJobSchedulersCount()) === 0 && (await queue.getDelayedCount()) === 0, { what: 'the schedules to go with the registration' });
    } finally {
      await queue.close();
    }
  });

  it("leaves a producer's own schedulers on the queue alone", async () => {
    const name = await stack.register('foreign', { schedules: [{ id: 'ours', everyMs: 60_000, data: {} }] });
    const queue = queueOf(name);
    try {
      await queue.upsertJobScheduler('theirs', { pattern: '0 5 * * *' }, { name: 'theirs', data: {} });
      await waitFor(async () => (await queue.getJobSchedulersCount()) === 2, { what: 'both schedulers' });
      await stack.edge.patchRegistration(name, { schedules: [] });
      await waitFor(async () => {
        const keys = (await queue.getJobSchedulers(0, -1)).map((s) => s.key);
        return keys.length === 1 && keys[0] === 'theirs';
      }, { what: 'only the producer scheduler' });
    } finally {
      await queue.close();
    }
  });
});
