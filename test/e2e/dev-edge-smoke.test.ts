// `npm run dev:edge` (wrangler dev) stays working: everything else runs the edge through
// scripts/local-edge-main.ts, so this is the one test that starts it under wrangler dev — its
// KV, Durable Objects and admin route answering as they do there.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildService } from '../../scripts/child-service.ts';
import { freePort } from '../../scripts/free-port.ts';
import { wranglerDev, wranglerVars } from '../../scripts/wrangler-dev.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { teardown } from '../support/teardown.ts';

const READY_DEADLINE_MS = 60_000;

let dev: ChildService;
let url: string;
let persistDir: string;

beforeAll(async () => {
  persistDir = mkdtempSync(join(tmpdir(), 'qw-dev-edge-'));
  const [port, inspectorPort] = [await freePort(), await freePort()];
  url = `http://127.0.0.1:${port}`;
  const ports = ['--port', String(port), '--inspector-port', String(inspectorPort)];
  dev = new ChildService(wranglerDev([...ports, '--persist-to', persistDir, '--log-level', 'warn', ...wranglerVars(EDGE_TEST_BINDINGS)]));
  await dev.waitForHttp(`${url}/health`, READY_DEADLINE_MS);
});

afterAll(() =>
  teardown(
    () => dev?.stop(),
    () => persistDir && rmSync(persistDir, { recursive: true, force: true }),
  ),
);

describe('the edge under wrangler dev', () => {
  it('reports KV and the coordinator healthy', async () => {
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', checks: { kv: { status: 'ok' }, coordinator: { status: 'ok' } } });
  });

  it('stores a registration through the admin route and serves it back', async () => {
    const headers = { authorization: `Bearer ${EDGE_TEST_BINDINGS.ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const put = await fetch(`${url}/admin/registrations/dev-smoke`, { method: 'PUT', headers, body: JSON.stringify({ endpoint: 'http://127.0.0.1:9', concurrency: 3 }) });
    expect(put.status).toBe(201);
    const read = await fetch(`${url}/admin/registrations/dev-smoke`, { headers });
    expect(await read.json()).toMatchObject({ name: 'dev-smoke', concurrency: 3, version: 1 });
  });
});
