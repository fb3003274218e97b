// `schedules` and `alerts` through the admin route, in workerd: cron expressions and time zones are
// judged here by the same parser BullMQ's schedulers use, and a bad one is a 400 naming it.

import { describe, expect, it } from 'vitest';
import { adminFetch, expectError, fieldsNamed, putRegistration, registrationPath, uniqueQueue } from './helpers.ts';

const ENDPOINT = 'http://email-api:3020';
const ALERT_URL = 'https://hooks.example.com/queue-worker';

const write = (method: 'PUT' | 'PATCH', name: string, body: unknown) => adminFetch(registrationPath(name), { method, body: JSON.stringify(body) });

const refusedFields = async (body: Record<string, unknown>): Promise<string[]> =>
  fieldsNamed(await expectError(await write('PUT', uniqueQueue('flow'), { endpoint: ENDPOINT, ...body }), 400));

describe('schedules', () => {
  it('stores cron (with a time zone) and everyMs schedules as given', async () => {
    const schedules = [
      { id: 'nightly-report', cron: '0 3 * * *', tz: 'Europe/Berlin', data: { kind: 'daily' } },
      { id: 'heartbeat', everyMs: 60_000, data: {}, name: 'beat' },
      { id: 'every-5s', cron: '*/5 * * * * *', data: { n: 1 } },
    ];
    const registration = await putRegistration(uniqueQueue('flow'), { endpoint: ENDPOINT, schedules });
    expect(registration.schedules).toEqual(schedules);
  });

  it('answers 400 naming the schedule and field of a bad cron, time zone or interval', async () => {
    const fields = await refusedFields({
      schedules: [
        { id: 'ok', cron: '0 3 * * *', data: {} },
        { id: 'minute-61', cron: '61 * * * *', data: {} },
        { id: 'mars', cron: '0 3 * * *', tz: 'Mars/Olympus', data: {} },
        { id: 'fast', everyMs: 999, data: {} },
        { id: 'seven', cron: '0 0 0 * * * *', data: {} },
        { id: 'never', cron: '0 0 30 2 *', data: {} },
        { id: 'macro', cron: '@daily', data: {} },
      ],
    });
    expect(fields).toEqual(['schedules[1].cron', 'schedules[2].tz', 'schedules[3].everyMs', 'schedules[4].cron', 'schedules[5].cron', 'schedules[6].cron']);
  });

  it('needs exactly one of cron and everyMs, a usable id, unique ids, and known fields', async () => {
    const fields = await refusedFields({
      schedules: [
        { id: 'both', cron: '* * * * *', everyMs: 1_000, data: {} },
        { id: 'neither', data: {} },
        { id: 'has:colon', everyMs: 1_000, data: {} },
        { id: 'twice', everyMs: 1_000, data: {} },
        { id: 'twice', everyMs: 2_000, data: {} },
        { id: 'extra', everyMs: 1_000, data: {}, repeat: 3 },
        { id: 'tz-without-cron', everyMs: 1_000, tz: 'UTC', data: {} },
      ],
    });
    expect(fields).toEqual(['schedules[0]', 'schedules[1]', 'schedules[2].id', 'schedules[5].repeat', 'schedules[6].tz', 'schedules[4].id']);
  });

  it('a PATCH replaces the whole list, an empty one removes them all, and a PATCH without it keeps them', async () => {
    const name = uniqueQueue('flow');
    await putRegistration(name, { endpoint: ENDPOINT, schedules: [{ id: 'a', everyMs: 1_000, data: {} }, { id: 'b', everyMs: 2_000, data: {} }] });
    const replaced = await (await write('PATCH', name, { schedules: [{ id: 'c', everyMs: 3_000, data: {} }] })).json<{ schedules?: unknown[] }>();
    expect(replaced.schedules).toEqual([{ id: 'c', everyMs: 3_000, data: {} }]);
    const untouched = await (await write('PATCH', name, { concurrency: 3 })).json<{ schedules?: unknown[] }>();
    expect(untouched.schedules).toEqual([{ id: 'c', everyMs: 3_000, data: {} }]);
    const cleared = await (await write('PATCH', name, { schedules: [] })).json<{ schedules?: unknown[] }>();
    expect(cleared.schedules).toBeUndefined();
  });
});

describe('alerts', () => {
  it('stores the alert settings; null removes them', async () => {
    const name = uniqueQueue('flow');
    const alerts = { url: ALERT_URL, on: ['job.failed', 'queue.backlog', 'bridge.stale'], backlogOver: 1_000 };
    expect((await putRegistration(name, { endpoint: ENDPOINT, alerts })).alerts).toEqual(alerts);
    const removed = await (await write('PATCH', name, { alerts: null })).json<{ alerts?: unknown }>();
    expect(removed.alerts).toBeUndefined();
  });

  it('answers 400 for an unknown event, a missing backlog threshold and a URL that is not http(s)', async () => {
    expect(await refusedFields({ alerts: { url: 'ftp://hooks.example.com', on: ['job.failed', 'job.exploded'] } })).toEqual(['alerts.url', 'alerts.on']);
    expect(await refusedFields({ alerts: { url: ALERT_URL, on: ['queue.backlog'] } })).toEqual(['alerts.backlogOver']);
    expect(await refusedFields({ alerts: { url: ALERT_URL, on: [] } })).toEqual(['alerts.on']);
  });

  it('refuses cloud metadata addresses as alert URLs, like endpoints', async () => {
    expect(await refusedFields({ alerts: { url: 'http://169.254.169.254/latest', on: ['job.failed'] } })).toEqual(['alerts.url']);
  });
});
