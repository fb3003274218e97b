// `queues apply` planning with the list-valued fields: an unchanged list is unchanged whatever the
// key order in its entries, so re-applying a file is a no-op; a changed one is an update. Likewise a
// default the edge does not store.

import { describe, expect, it } from 'vitest';
import { planApply } from '../../../src/cli/apply/plan.ts';
import type { Registration } from '../../../src/protocol.ts';

const atEdge: Registration = {
  name: 'reports',
  endpoint: 'http://reports-api:3020',
  path: '/internal/process-job',
  concurrency: 2,
  timeoutMs: 30_000,
  retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 1_000, maxDelayMs: 300_000, jitter: 0.2 } },
  paused: false,
  schedules: [{ id: 'nightly', cron: '0 3 * * *', tz: 'Europe/Berlin', data: { kind: 'daily' } }],
  alerts: { url: 'https://hooks.example.com/q', on: ['job.failed', 'queue.backlog'], backlogOver: 100 },
  rateLimit: { max: 50, perMs: 1_000 },
  version: 4,
  updatedAt: '2026-11-28T12:00:00.000Z',
};

describe('planApply with schedules, alerts and rateLimit', () => {
  it('the same lists, keys in another order, are unchanged', () => {
    const input = {
      schedules: [{ data: { kind: 'daily' }, tz: 'Europe/Berlin', cron: '0 3 * * *', id: 'nightly' }],
      alerts: { on: ['job.failed' as const, 'queue.backlog' as const], backlogOver: 100, url: 'https://hooks.example.com/q' },
    };
    expect(planApply([{ name: 'reports', input }], [atEdge], { prune: false })).toEqual([{ action: 'unchanged', name: 'reports' }]);
  });

  it('a changed schedule or event list is an update naming the field', () => {
    const input = { schedules: [{ id: 'nightly', cron: '0 4 * * *', tz: 'Europe/Berlin', data: { kind: 'daily' } }], alerts: { ...atEdge.alerts!, on: ['job.failed' as const] } };
    const [change] = planApply([{ name: 'reports', input }], [atEdge], { prune: false });
    expect(change.action).toBe('update');
    expect(change.action === 'update' && change.fields.map((f) => f.field)).toEqual(['schedules', 'alerts.on']);
  });

  it('null for a field the edge holds (rateLimit, alerts) is an update removing it; null for one it lacks is unchanged', () => {
    const [removal] = planApply([{ name: 'reports', input: { rateLimit: null, alerts: null } }], [atEdge], { prune: false });
    expect(removal).toMatchObject({
      action: 'update',
      fields: [
        { field: 'rateLimit', from: { max: 50, perMs: 1_000 }, to: null },
        { field: 'alerts', from: atEdge.alerts, to: null },
      ],
    });
    const { rateLimit: _rateLimit, ...withoutLimit } = atEdge;
    expect(planApply([{ name: 'reports', input: { rateLimit: null } }], [withoutLimit], { prune: false })).toEqual([{ action: 'unchanged', name: 'reports' }]);
    const [changed] = planApply([{ name: 'reports', input: { rateLimit: { max: 60, perMs: 1_000 } } }], [atEdge], { prune: false });
    expect(changed.action === 'update' && changed.fields).toEqual([{ field: 'rateLimit.max', from: 50, to: 60 }]);
  });

  it('a default the edge does not store (completion "sync", no schedules) is unchanged; leaving async for sync is an update', () => {
    expect(planApply([{ name: 'reports', input: { completion: 'sync', schedules: [], concurrency: 2 } }], [{ ...atEdge, schedules: undefined }], { prune: false })).toEqual([
      { action: 'unchanged', name: 'reports' },
    ]);
    expect(planApply([{ name: 'reports', input: { completion: 'async' } }], [{ ...atEdge, completion: 'async' }], { prune: false })).toEqual([{ action: 'unchanged', name: 'reports' }]);
    const [toSync] = planApply([{ name: 'reports', input: { completion: 'sync' } }], [{ ...atEdge, completion: 'async' }], { prune: false });
    expect(toSync).toMatchObject({ action: 'update', fields: [{ field: 'completion', from: 'async', to: 'sync' }] });
  });
});
