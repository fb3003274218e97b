// The operator console in a real browser (Debian chromium, playwright-core) against real Redis, the
// real edge and a real bridge holding both tokens: log in, read the edge's figures, open a failed
// job's attempt trail in bull-board, retry it to completion, pause a queue at the edge and resume it,
// and a read-only login that cannot act. Screenshots are kept under .tmp/console/ as artefacts.

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Job, type Queue } from 'bullmq';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../bridge/bridge.ts';
import { launchBrowser, type Browser } from '../support/browser.ts';
import { bridgeEnv, startBridge } from '../support/bridge.ts';
import { OPS_ENV, OPS_READ_TOKEN, OPS_TOKEN } from '../support/ops.ts';
import { finishedJobs, TestStack } from '../support/stack.ts';
import { sleep, waitFor } from '../support/wait.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../.tmp/console/', import.meta.url));
const BRIDGE_ID = 'console-browser-bridge';
/** Long enough for a running worker to have taken a job it could take. */
const PAUSED_HOLD_MS = 1_500;

let stack: TestStack;
let bridge: Bridge;
let browser: Browser;
let queue: Queue;
let failedJobId: string;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await TestStack.start();
  bridge = await startBridge(bridgeEnv(stack.edge.url, stack.redis.port, { ...OPS_ENV, BRIDGE_ID }));
  browser = await launchBrowser();
  queue = await stack.registerRunning('console-browser', { retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 100, maxDelayMs: 100, jitter: 0 } } }, bridge);
  // Two failing tries, then every call succeeds: the retry pressed in the console completes.
  stack.stub.script(queue.name, [{ status: 503 }, { status: 500, body: { success: false, error: 'database unavailable' } }, { body: { success: true, result: { sent: true } } }]);
  const job = await queue.add('welcome-email', { to: 'ada@example.com' });
  await finishedJobs(queue, [job.id!]);
  failedJobId = job.id!;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  await stack?.close();
});

const logIn = async (page: Page, token: string): Promise<void> => {
  await page.context().clearCookies();
  await page.goto(`${bridge.url}/ui/login`);
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(`${bridge.url}/ui/queues`), page.click('button[type=submit]')]);
};

const row = (page: Page) => page.locator(`#registrations tr[data-queue="${queue.name}"]`);

const openLogs = (page: Page) => page.getByRole('tab', { name: 'Logs' }).click();

/** bull-board's job card shows Retry as an icon button without a name; its icon is the one handle. */
const retryButton = (page: Page) => page.locator('button:has(svg.lucide-refresh-cw)');

const shot = (page: Page, name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });

describe('the operator console in chromium', () => {
  it('an operator logs in and sees each registration with the edge\'s figures and the bridges', async () => {
    const page = await browser.context.newPage();
    await logIn(page, OPS_TOKEN);
    await expect.poll(() => row(page).locator('[data-field="in-flight"]').textContent()).toBe('0 / 2');
    expect(await row(page).textContent()).toContain(stack.stub.url);
    expect(await row(page).locator('[data-field="last-error"]').textContent()).toContain('database unavailable');
    expect(await row(page).locator('[data-field="paused"]').textContent()).toBe('running');
    // The p50 of the two tries the edge timed: a number, not the dash of "no figures".
    expect(await row(page).locator('[data-field="latency"]').textContent()).toMatch(/^\d+ ms \/ \d+ ms$/);
    await expect.poll(async () => (await page.reload(), await page.locator(`#bridges tr[data-bridge="${BRIDGE_ID}"]`).count())).toBe(1);
    await shot(page, 'queues');
    await page.close();
  });

  it('opens the failed job in bull-board, reads its attempt trail, presses Retry and sees it complete', async () => {
    const page = await browser.context.newPage();
    await logIn(page, OPS_TOKEN);
    await page.goto(`${bridge.url}/ui/queue/${queue.name}/${failedJobId}`);
    await openLogs(page);
    // One log line per try, written by the bridge (ARCHITECTURE: the attempt trail).
    await expect.poll(() => page.getByText('"outcome":"failed_retryable"').count()).toBe(2);
    await expect.poll(() => page.getByText(`"bridgeId":"${BRIDGE_ID}"`).count()).toBe(2);
    expect(await page.getByText('"status":503').count()).toBe(1);
    await shot(page, 'failed-job-trail');

    await retryButton(page).click();
    await page.getByRole('alertdialog').or(page.getByRole('dialog')).getByRole('button', { name: 'Confirm' }).click();
    await waitFor(async () => (await Job.fromId(queue, failedJobId))?.finishedOn && (await queue.getJobState(failedJobId)) === 'completed', { what: 'the retried job to complete' });
    await page.reload();
    await openLogs(page);
    await expect.poll(() => page.getByText('"outcome":"completed"').count()).toBe(1);
    await shot(page, 'retried-job-completed');
    await page.close();
  });

  it('a pause pressed on the queues page lands in the edge registration: nothing runs until it is resumed', async () => {
    const page = await browser.context.newPage();
    await logIn(page, OPS_TOKEN);
    await Promise.all([page.waitForURL(`${bridge.url}/ui/queues`), row(page).getByRole('button', { name: 'Pause' }).click()]);
    expect(await row(page).locator('[data-field="paused"]').textContent()).toBe('paused');
    expect((await stack.edge.getRegistration(queue.name)).paused).toBe(true);
    await shot(page, 'queue-paused');

    const callsBefore = stack.stub.stats(queue.name).count;
    await waitFor(async () => !(await bridge.status()).workers.find((w) => w.queue === queue.name)?.running, { what: 'the bridge to stop taking jobs' });
    const held = await queue.add('while-paused', {});
    await sleep(PAUSED_HOLD_MS);
    expect(await queue.getJobState(held.id!)).toBe('waiting');
    expect(stack.stub.stats(queue.name).count).toBe(callsBefore);

    await Promise.all([page.waitForURL(`${bridge.url}/ui/queues`), row(page).getByRole('button', { name: 'Resume' }).click()]);
    expect(await row(page).locator('[data-field="paused"]').textContent()).toBe('running');
    const [done] = await finishedJobs(queue, [held.id!]);
    expect(await done.getState()).toBe('completed');
    await page.close();
  });

  it('a read-only login sees everything but no action button, and an action forced from its page is refused', async () => {
    const failing = await queue.add('read-only-sees-me', {}, { attempts: 1 });
    stack.stub.script(queue.name, [{ status: 400 }]);
    await finishedJobs(queue, [failing.id!]);
    const page = await browser.context.newPage();
    await logIn(page, OPS_READ_TOKEN);
    expect(await row(page).count()).toBe(1);
    expect(await row(page).getByRole('button').count()).toBe(0);
    await page.goto(`${bridge.url}/ui/queue/${queue.name}/${failing.id}`);
    await openLogs(page);
    await expect.poll(() => page.getByText('"outcome":"failed_final"').count()).toBe(1);
    expect(await retryButton(page).count()).toBe(0);
    await shot(page, 'read-only-job');
    const forced = await page.evaluate(
      async ([name, id]) => (await fetch(`/ui/api/queues/${name}/${id}/retry`, { method: 'PUT' })).status,
      [queue.name, failing.id!],
    );
    expect(forced).toBe(403);
    expect(await queue.getJobState(failing.id!)).toBe('failed');
    await page.close();
  });
});
