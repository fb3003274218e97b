// The operator console's auth over HTTP, against real Redis, the real edge and a real bridge: the
// login form trades a token for an HttpOnly, SameSite=Strict session cookie; the read token sees but
// every action is refused (nothing changes); the ops token acts, and a pause lands in the edge's
// registration, from our page and from bull-board's own button alike.

import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { ConsoleClient, postLogin, send } from '../support/console.ts';
import { OPS_ENV, OPS_READ_TOKEN, OPS_TOKEN } from '../support/ops.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';

let stack: TestStack;
let bridge: Bridge;
/** Started with no ops token at all. */
let unconfigured: Bridge;
let queue: Queue;
let failedJobId: string;

beforeAll(async () => {
  stack = await TestStack.start();
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port, { ...OPS_ENV, BRIDGE_ID: 'console-auth-bridge' }));
  unconfigured = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port, { QUEUE_PREFIX: 'unconfigured' }));
  queue = await stack.registerRunning('console-auth', { retry: { attempts: 1 } }, bridge);
  stack.stub.script(queue.name, [{ status: 400 }]);
  const job = await queue.add('doomed', {});
  await finishedJobs(queue, [job.id!]);
  failedJobId = job.id!;
});

afterAll(async () => {
  await Promise.all([bridge?.close(), unconfigured?.close()]);
  await stack?.close();
});

describe('login', () => {
  it('without a session, pages redirect to the login form and bull-board API calls answer 401', async () => {
    const page = await send(`${bridge.url}/ui/queues`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/ui/login');
    expect((await send(`${bridge.url}/ui/api/queues`)).status).toBe(401);
    const form = await send(`${bridge.url}/ui/login`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('type="password"');
  });

  it('a wrong token answers 401 with the form again and no cookie', async () => {
    const answer = await postLogin(bridge.url, 'not-an-operations-token-at-all');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('set-cookie')).toBeNull();
    expect(answer.text).toContain('not an operations token');
  });

  it('a good token gives a random HttpOnly, SameSite=Strict cookie on /ui that never carries the token', async () => {
    const session = await ConsoleClient.login(bridge.url, OPS_READ_TOKEN);
    expect(session.setCookie).toMatch(/HttpOnly/i);
    expect(session.setCookie).toMatch(/SameSite=Strict/i);
    expect(session.setCookie).toMatch(/Path=\/ui(;|$)/);
    expect(session.setCookie).not.toContain(OPS_READ_TOKEN);
    expect((await session.request('/ui/queues')).status).toBe(200);
  });

  it('logging out ends the session on the bridge, not only in the browser', async () => {
    const session = await ConsoleClient.login(bridge.url, OPS_TOKEN);
    expect((await session.request('/ui/logout', { method: 'POST' })).status).toBe(303);
    expect((await session.request('/ui/api/queues')).status).toBe(401);
  });

  it('a bridge without ops tokens answers 503 not_configured, naming the settings', async () => {
    const answer = await send(`${unconfigured.url}/ui/login`);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'not_configured' } });
  });
});

describe('a read-only session', () => {
  it('sees the queues page without buttons and bull-board in read-only mode', async () => {
    const session = await ConsoleClient.login(bridge.url, OPS_READ_TOKEN);
    const page = await session.request('/ui/queues');
    expect(page.text).toContain(queue.name);
    expect(page.text).not.toContain('>Pause<');
    const board = JSON.parse((await session.request('/ui/api/queues')).text);
    expect(board.queues.find((q: { name: string }) => q.name === queue.name)).toMatchObject({ readOnlyMode: true });
  });

  it('gets 403 for every action and nothing changes: pause (ours and bull-board\'s), retry', async () => {
    const session = await ConsoleClient.login(bridge.url, OPS_READ_TOKEN);
    expect((await session.request(`/ui/queues/${queue.name}/pause`, { method: 'POST' })).status).toBe(403);
    expect((await session.request(`/ui/api/queues/${queue.name}/pause`, { method: 'PUT' })).status).toBe(403);
    expect((await session.request(`/ui/api/queues/${queue.name}/${failedJobId}/retry`, { method: 'PUT' })).status).toBe(403);
    expect((await stack.edge.getRegistration(queue.name)).paused).toBe(false);
    expect(await (await Job.fromId(queue, failedJobId))!.getState()).toBe('failed');
  });
});

describe('an acting session', () => {
  it('pauses through the edge registration from our page and resumes from bull-board\'s button', async () => {
    const session = await ConsoleClient.login(bridge.url, OPS_TOKEN);
    expect((await session.request('/ui/queues')).text).toContain('>Pause<');

    const paused = await session.request(`/ui/queues/${queue.name}/pause`, { method: 'POST' });
    expect(paused.status).toBe(303);
    expect((await stack.edge.getRegistration(queue.name)).paused).toBe(true);

    const resumed = await session.request(`/ui/api/queues/${queue.name}/resume`, { method: 'PUT' });
    expect(resumed.status).toBe(200);
    expect((await stack.edge.getRegistration(queue.name)).paused).toBe(false);
    // Never a BullMQ-side pause: the edge's coordinator is the one authority.
    expect(await queue.isPaused()).toBe(false);
  });

  it('refuses an action posted from another site (403) and leaves the registration alone', async () => {
    const session = await ConsoleClient.login(bridge.url, OPS_TOKEN);
    const answer = await session.request(`/ui/queues/${queue.name}/pause`, { method: 'POST', headers: { Origin: 'http://evil.example' } });
    expect(answer.status).toBe(403);
    expect((await stack.edge.getRegistration(queue.name)).paused).toBe(false);
  });

  it('refuses bull-board\'s BullMQ-side concurrency with 409: the registration owns it', async () => {
    const session = await ConsoleClient.login(bridge.url, OPS_TOKEN);
    const answer = await session.request(`/ui/api/queues/${queue.name}/concurrency`, { method: 'PUT', body: '{"concurrency":50}', headers: { 'Content-Type': 'application/json' } });
    expect(answer.status).toBe(409);
    expect(await queue.getGlobalConcurrency()).toBeNull();
  });
});
