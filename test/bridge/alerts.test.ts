// Alerts end to end: two bridges on one Redis, the real edge, a feature stub that fails on purpose,
// and a receiver that verifies every Standard Webhooks signature. Each episode reaches the receiver
// once, through refusals and a restart of every bridge.

import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import type { AlertDeliveryRecord } from '../../bridge/alerts/outbox.ts';
import type { RegistrationInput } from '../../src/protocol.ts';
import { AlertReceiver, TEST_ALERT_SECRET } from '../support/alert-receiver.ts';
import { BridgeProcess, bridgeEnv, startBridge, type Env } from '../support/bridge.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { sleep, waitFor } from '../support/wait.ts';

const OPS_TOKEN = 'ops-token-for-alert-tests';
const HEARTBEAT_MS = 1_000;
const STALE_AFTER_MS = 3_000;
/** Long enough for every bridge's alert watch to have looked again. */
const TWO_WATCH_ROUNDS_MS = 2.5 * HEARTBEAT_MS;
const FAIL_FAST: RegistrationInput['retry'] = { attempts: 2, backoff: { type: 'fixed', delayMs: 50, maxDelayMs: 50, jitter: 0 } };

let stack: TestStack;
let receiver: AlertReceiver;
let env: Env;
let bridges: Bridge[] = [];

const startBridges = async (...ids: string[]): Promise<Bridge[]> => Promise.all(ids.map((id) => startBridge({ ...env, BRIDGE_ID: id })));

beforeAll(async () => {
  [stack, receiver] = await Promise.all([TestStack.start(), AlertReceiver.start()]);
  env = bridgeEnv(stack.edge.url, stack.redis.port, {
    ALERT_SIGNING_SECRET: TEST_ALERT_SECRET,
    BRIDGE_STALE_AFTER_MS: String(STALE_AFTER_MS),
    BRIDGE_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
    OPS_READ_TOKEN: OPS_TOKEN,
  });
  bridges = await startBridges('alerts-a', 'alerts-b');
});

afterAll(async () => {
  await Promise.all(bridges.map((bridge) => bridge.close()));
  await Promise.all([stack?.close(), receiver?.close()]);
});

const alertsOn = (on: string[], extra: Record<string, unknown> = {}) => ({ alerts: { url: receiver.url, on, ...extra } }) as RegistrationInput;

/** A queue whose every job fails for good after two tries. */
const failingQueue = async (label: string): Promise<Queue> => {
  const queue = await stack.registerRunning(label, { retry: FAIL_FAST, ...alertsOn(['job.failed']) }, bridges[0]);
  stack.stub.script(queue.name, [{ status: 500 }]);
  return queue;
};

const opsAlerts = async (bridge: Bridge): Promise<{ signing: boolean; pending: Record<string, number>; deliveries: AlertDeliveryRecord[] }> => {
  const response = await fetch(`${bridge.url}/ops/alerts`, { headers: { Authorization: `Bearer ${OPS_TOKEN}` } });
  expect(response.status).toBe(200);
  return response.json() as never;
};

describe('job.failed', () => {
  it('a job failed for good is reported once, signed, and a receiver answering 500 then 200 still gets it', async () => {
    receiver.answer(500, 200);
    const queue = await failingQueue('failed');
    const added = await queue.add('charge', { amount: 5 });
    const [job] = await finishedJobs(queue, [added.id!]);
    expect(await job.getState()).toBe('failed');

    const [alert] = await waitFor(() => (receiver.accepted('job.failed', queue.name).length > 0 ? receiver.accepted('job.failed', queue.name) : undefined), {
      what: 'the job.failed alert',
    });
    expect(alert.data).toEqual({
      queue: queue.name,
      jobId: added.id,
      name: 'charge',
      reason: expect.stringContaining('500'),
      attemptsMade: 2,
      attempts: 2,
      failedAt: new Date(job.finishedOn!).toISOString(),
      opsPath: `/ops/queues/${queue.name}/jobs/${added.id}`,
    });
    // Two tries of one message (same webhook-id), both verified: refused once, then accepted.
    const tries = receiver.received.filter((r) => r.messageId === alert.messageId);
    expect(tries.map((t) => [t.verified, t.status])).toEqual([
      [true, 500],
      [true, 200],
    ]);

    // An operator sees both tries at either bridge, and the delivered one in the metrics.
    const { deliveries, signing } = await opsAlerts(bridges[1]);
    expect(signing).toBe(true);
    const records = deliveries.filter((d) => d.messageId === alert.messageId);
    expect(records.map((d) => [d.attempt, d.result, d.status])).toEqual([
      [2, 'delivered', 200],
      [1, 'retrying', 500],
    ]);
    expect(records[0].target).toBe(new URL(receiver.url).origin);
    const metrics = (await Promise.all(bridges.map((b) => b.metrics()))).map((m) => m.text).join('\n');
    expect(metrics).toMatch(/queue_worker_alert_deliveries_total\{type="job.failed",result="delivered"\} 1/);
  });

  it('a delivery pending when every bridge restarts is delivered once by the new ones', async () => {
    receiver.answer(503);
    const queue = await failingQueue('restart');
    const added = await queue.add('charge', {});
    await finishedJobs(queue, [added.id!]);
    const firstTry = await waitFor(() => receiver.received.find((r) => r.data?.queue === queue.name), { what: 'a first, refused try' });

    await Promise.all(bridges.map((bridge) => bridge.close()));
    bridges = [];
    receiver.answer(200);
    bridges = await startBridges('alerts-c', 'alerts-d');

    await waitFor(() => receiver.accepted('job.failed', queue.name).length > 0, { timeoutMs: 20_000, what: 'the pending alert after the restart' });
    await sleep(TWO_WATCH_ROUNDS_MS);
    expect(receiver.accepted('job.failed', queue.name).map((a) => a.messageId)).toEqual([firstTry.messageId]);
    expect(receiver.received.filter((r) => r.data?.queue === queue.name).every((r) => r.verified)).toBe(true);
  });
});

describe('queue.backlog', () => {
  it('waiting above backlogOver is reported once per episode by two bridges, again only after it recovered', async () => {
    receiver.answer(200);
    // Paused: nothing is taken, so the backlog is exactly what the test adds.
    const name = await stack.register('backlog', { paused: true, ...alertsOn(['queue.backlog'], { backlogOver: 3 }) });
    const queue = new Queue(name, { connection: stack.connection });
    try {
      await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'j', data: { i } })));
      const [first] = await waitFor(() => (receiver.accepted('queue.backlog', name).length > 0 ? receiver.accepted('queue.backlog', name) : undefined), {
        what: 'the backlog alert',
      });
      expect(first.data).toMatchObject({ queue: name, waiting: 5, backlogOver: 3 });
      // Still above (and growing) for a few rounds of both bridges: no second alert.
      await queue.add('j', { i: 5 });
      await sleep(TWO_WATCH_ROUNDS_MS);
      expect(receiver.accepted('queue.backlog', name)).toHaveLength(1);

      // Recovered, then over again: a new episode.
      await queue.drain();
      await sleep(TWO_WATCH_ROUNDS_MS);
      await queue.addBulk(Array.from({ length: 4 }, (_, i) => ({ name: 'j', data: { i } })));
      await waitFor(() => receiver.accepted('queue.backlog', name).length === 2, { what: 'the second episode' });
      const [, second] = receiver.accepted('queue.backlog', name);
      expect(second.messageId).not.toBe(first.messageId);
      expect(second.data).toMatchObject({ waiting: 4 });
    } finally {
      await queue.close();
    }
  });
});

describe('bridge.stale', () => {
  it('a bridge killed without a goodbye is reported once, by one of the others', async () => {
    receiver.answer(200);
    const name = await stack.register('stale', alertsOn(['bridge.stale']));
    const doomed = await BridgeProcess.start({ ...env, BRIDGE_ID: 'doomed-bridge' });
    try {
      await waitFor(async () => (await fetch(`${doomed.url}/internal/status`).then((r) => r.json() as Promise<{ workers: { queue: string }[] }>)).workers.some((w) => w.queue === name), {
        what: 'the doomed bridge to run the queue',
      });
      await sleep(HEARTBEAT_MS);
      doomed.kill('SIGKILL');
      await doomed.exited;

      const [alert] = await waitFor(() => (receiver.accepted('bridge.stale', name).length > 0 ? receiver.accepted('bridge.stale', name) : undefined), {
        timeoutMs: STALE_AFTER_MS + 10_000,
        what: 'the bridge.stale alert',
      });
      expect(alert.data).toMatchObject({ queue: name, bridgeId: 'doomed-bridge', staleAfterMs: STALE_AFTER_MS, detectedBy: expect.stringMatching(/^alerts-[cd]$/) });
      await sleep(TWO_WATCH_ROUNDS_MS);
      expect(receiver.accepted('bridge.stale', name)).toHaveLength(1);
      // The bridges that closed cleanly in the restart test said goodbye: nobody reported them.
      expect(receiver.accepted('bridge.stale').every((a) => a.data?.bridgeId === 'doomed-bridge')).toBe(true);
    } finally {
      await doomed.stop();
    }
  }, 30_000);
});

describe('configuration', () => {
  it('a bridge without ALERT_SIGNING_SECRET says, for each queue with alerts, that none is sent', async () => {
    const name = await stack.register('unsigned', alertsOn(['job.failed']));
    const { ALERT_SIGNING_SECRET: _secret, ...unsigned } = env;
    const bridge = await BridgeProcess.start({ ...unsigned, BRIDGE_ID: 'unsigned-bridge' });
    try {
      await waitFor(() => bridge.output.includes('ALERT_SIGNING_SECRET is not set') && bridge.output.includes(name), { what: 'the warning' });
    } finally {
      await bridge.stop();
    }
  });
});
