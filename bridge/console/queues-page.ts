// GET /ui/queues: what bull-board cannot show — each registration with the edge's figures for it,
// the bridges the edge has heard from, and pause/resume through the registration (act sessions only).

import { html } from 'hono/html';
import type { Registration } from '../../src/protocol.ts';
import type { QueueRunner } from '../queue-runner.ts';
import type { EdgeFigures, EdgeQueueFigures } from '../ops/edge-figures.ts';
import type { OpsScope } from '../ops/auth.ts';
import { CONSOLE_BASE, page } from './layout.ts';

const numberOr = (value: unknown, fallback = '–'): string => (typeof value === 'number' ? String(value) : fallback);

const ms = (value: unknown): string => (typeof value === 'number' ? `${value} ms` : '–');

const retryPolicy = ({ retry }: Registration): string => {
  const { backoff } = retry;
  return `${retry.attempts} attempt(s), ${backoff.type} ${backoff.delayMs} ms…${backoff.maxDelayMs} ms`;
};

const throttles = (figures: EdgeQueueFigures | undefined): string => {
  const totals = figures?.totals as { throttled?: unknown; throttledBudget?: unknown } | undefined;
  if (!totals) return '–';
  return `${numberOr(totals.throttled, '0')} (budget ${numberOr(totals.throttledBudget, '0')})`;
};

const lastError = (figures: EdgeQueueFigures | undefined) => {
  const error = figures?.lastError as { message?: unknown; status?: unknown; at?: unknown } | null | undefined;
  if (!error || typeof error.message !== 'string') return html`<span class="muted">none</span>`;
  return html`${typeof error.status === 'number' ? `${error.status}: ` : ''}${error.message}<br /><span class="muted">${String(error.at ?? '')}</span>`;
};

const pauseButton = (name: string, paused: boolean) =>
  html`<form class="inline" method="post" action="${CONSOLE_BASE}/queues/${encodeURIComponent(name)}/${paused ? 'resume' : 'pause'}">
    <button class="action" type="submit" data-queue="${name}">${paused ? 'Resume' : 'Pause'}</button>
  </form>`;

const queueRow = (runner: QueueRunner, figures: EdgeQueueFigures | undefined, scope: OpsScope) => {
  const registration = runner.registration;
  const paused = figures?.paused ?? registration.paused;
  const latency = figures?.latencyMs as { p50?: unknown; p95?: unknown } | undefined;
  return html`<tr data-queue="${registration.name}">
    <td><a href="${CONSOLE_BASE}/queue/${encodeURIComponent(registration.name)}">${registration.name}</a></td>
    <td class="wrap">${registration.endpoint}${registration.path}</td>
    <td>${registration.concurrency}</td>
    <td>${registration.timeoutMs} ms</td>
    <td>${retryPolicy(registration)}</td>
    <td><span class="badge ${paused ? 'paused' : 'running'}" data-field="paused">${paused ? 'paused' : 'running'}</span></td>
    <td data-field="in-flight">${numberOr(figures?.inFlight)} / ${numberOr(figures?.limit)}</td>
    <td data-field="latency">${ms(latency?.p50)} / ${ms(latency?.p95)}</td>
    <td data-field="throttles">${throttles(figures)}</td>
    <td class="wrap" data-field="last-error">${lastError(figures)}</td>
    ${scope === 'act' ? html`<td>${pauseButton(registration.name, paused)}</td>` : ''}
  </tr>`;
};

export const queuesPage = (runners: QueueRunner[], figures: EdgeFigures, scope: OpsScope, notice?: string) => {
  const edgeQueues = figures.available ? figures.queues : new Map<string, EdgeQueueFigures>();
  const body = html`<main>
    ${notice ? html`<div class="notice" role="alert">${notice}</div>` : ''}
    ${figures.available ? '' : html`<div class="notice" role="alert">The edge's figures are unavailable: ${figures.error}</div>`}
    <h2>Registrations</h2>
    <div class="card">
      <table id="registrations">
        <thead>
          <tr>
            <th>Queue</th><th>Endpoint</th><th>Concurrency</th><th>Timeout</th><th>Retry policy</th><th>State</th>
            <th>In flight / limit</th><th>Latency p50 / p95</th><th>Throttles</th><th>Last error</th>${scope === 'act' ? html`<th></th>` : ''}
          </tr>
        </thead>
        <tbody>
          ${runners.length === 0 ? html`<tr><td colspan="11" class="muted">No queue is registered at the edge.</td></tr>` : runners.map((runner) => queueRow(runner, edgeQueues.get(runner.name), scope))}
        </tbody>
      </table>
    </div>
    <h2>Bridges</h2>
    <div class="card">
      <table id="bridges">
        <thead><tr><th>Bridge</th><th>Last heartbeat</th><th>State</th></tr></thead>
        <tbody>
          ${figures.available
            ? figures.bridges.map(
                (bridge) => html`<tr data-bridge="${bridge.bridgeId}">
                  <td>${bridge.bridgeId}</td><td>${bridge.lastSeenAt}</td>
                  <td><span class="badge ${bridge.stale ? 'stale' : 'running'}">${bridge.stale ? 'stale' : 'alive'}</span></td>
                </tr>`,
              )
            : html`<tr><td colspan="3" class="muted">unknown while the edge does not answer</td></tr>`}
        </tbody>
      </table>
    </div>
  </main>`;
  return page('Queues', body, { signedIn: true });
};
