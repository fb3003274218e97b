// GET /internal/usage: the billable units the edge counts itself, and what a job costs in them:
// no SQLite row per job, one Worker request and two coordinator calls per batch.

import { describe, expect, it } from 'vitest';
import type { Usage } from '../../worker/metering/usage.ts';
import { adminFetch, dispatchBatch, expectError, registerStubQueue, scriptStub, signedFetch, uniqueQueue } from './helpers.ts';

interface UsageBody {
  worker: { requests: Record<string, number> };
  registryIndex: Usage;
  bridgeMonitor: Usage;
  coordinators: Record<string, Usage>;
}

const usage = async (queues: string[] = []): Promise<UsageBody> => {
  const response = await adminFetch(`/internal/usage?queues=${queues.join(',')}`);
  expect(response.status).toBe(200);
  return response.json();
};

describe('GET /internal/usage', () => {
  it('requires the admin token or the bridge signature, and refuses a bad queue list with a 400', async () => {
    expect((await adminFetch('/internal/usage', {}, 'wrong-token-wrong-token')).status).toBe(401);
    expect((await signedFetch('GET', '/internal/usage')).status).toBe(200);
    const error = await expectError(await adminFetch('/internal/usage?queues=ok,Not%20A%20Queue'), 400);
    expect(error.message).toMatch(/queues/);
  });

  it('counts a batch of jobs as one Worker request and two coordinator calls, with no row written per job', async () => {
    const queueName = uniqueQueue('usage');
    await registerStubQueue(queueName, { concurrency: 10 });
    await scriptStub(queueName, [{ body: { success: true } }]);
    const before = await usage([queueName]);

    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      const lines = await dispatchBatch(queueName, Array.from({ length: 6 }, (_, i) => ({ jobId: `r${round}-${i}` })));
      expect(lines.every((line) => line.outcome === 'completed')).toBe(true);
    }
    const after = await usage([queueName]);
    expect(after.worker.requests.dispatch - before.worker.requests.dispatch).toBe(rounds);
    const coordinator = after.coordinators[queueName];
    const was = before.coordinators[queueName];
    // acquireMany + releaseMany per batch (a batch whose jobs end in different turns releases more than once).
    expect(coordinator.doRequests - was.doRequests).toBeGreaterThanOrEqual(2 * rounds);
    expect(coordinator.doRequests - was.doRequests).toBeLessThanOrEqual(7 * rounds);
    // One reservation row and one alarm for the whole run, whatever the number of jobs.
    expect(coordinator.rowsWritten - was.rowsWritten).toBeLessThanOrEqual(4);
    expect(coordinator.kvReads + coordinator.kvWrites).toBe(was.kvReads + was.kvWrites);
  });

  it('counts its own reads apart, so reading the figures does not change them', async () => {
    const queueName = uniqueQueue('usage-read');
    await registerStubQueue(queueName);
    const first = await usage([queueName]);
    const second = await usage([queueName]);
    expect(second.coordinators[queueName].doRequests).toBe(first.coordinators[queueName].doRequests);
    expect(second.worker.requests.usage).toBe(first.worker.requests.usage + 1);
    expect(second.worker.requests.dispatch).toBe(first.worker.requests.dispatch);
  });
});
