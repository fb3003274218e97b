import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { edgeFetch, signedFetch } from './helpers.ts';

/** A bridge's start time, the same in each of its heartbeats. */
const STARTED_AT = new Date().toISOString();

const heartbeatOf = (bridgeId: string, workers: { queue: string; running: boolean; concurrency: number }[]) =>
  JSON.stringify({ bridgeId, startedAt: STARTED_AT, workers });

describe('GET /health', () => {
  it('reports KV and the coordinator healthy, and no bridge seen yet', async () => {
    const response = await edgeFetch('/health');
    expect(response.status).toBe(200);
    const body = await response.json<Record<string, any>>();
    expect(body).toMatchObject({ status: 'ok', tier: 'edge', checks: { kv: { status: 'ok' }, coordinator: { status: 'ok' } } });
    expect(body.bridge).toEqual({ lastSeenAt: null, stale: true });
  });

  it('shows a bridge as fresh once it heartbeats', async () => {
    const heartbeat = JSON.stringify({ bridgeId: 'bridge-a', startedAt: new Date().toISOString(), workers: [{ queue: 'email', running: true, concurrency: 2 }] });
    expect((await signedFetch('POST', '/internal/heartbeat', heartbeat)).status).toBe(204);
    const body = await (await edgeFetch('/health')).json<Record<string, any>>();
    expect(body.bridge.stale).toBe(false);
    expect(Date.parse(body.bridge.lastSeenAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("writes a bridge's row when its workers change, not at every heartbeat, and remembers the bridge across a restart", async () => {
    const monitor = env.BRIDGE_MONITOR.getByName('default');
    const workers = [{ queue: 'email', running: true, concurrency: 2 }];
    expect((await signedFetch('POST', '/internal/heartbeat', heartbeatOf('bridge-rows', workers))).status).toBe(204);
    const before = (await monitor.usage()).rowsWritten;
    for (let i = 0; i < 5; i++) expect((await signedFetch('POST', '/internal/heartbeat', heartbeatOf('bridge-rows', workers))).status).toBe(204);
    expect((await monitor.usage()).rowsWritten).toBe(before);
    await signedFetch('POST', '/internal/heartbeat', heartbeatOf('bridge-rows', [...workers, { queue: 'image', running: true, concurrency: 1 }]));
    expect((await monitor.usage()).rowsWritten).toBe(before + 1);

    await evictDurableObject(monitor);
    const { bridges } = await monitor.summary();
    expect(bridges.find((bridge) => bridge.bridgeId === 'bridge-rows')).toMatchObject({ stale: false, workers: [{ queue: 'email' }, { queue: 'image' }] });
  });
});
