import { describe, expect, it } from 'vitest';
import { edgeFetch, signedFetch } from './helpers.ts';

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
});
