// GET /ops/queues: every queue this bridge runs (its registration as synced from the edge), Redis's
// counts by state, and the edge's figures for it, or why those are unavailable. Readers see an alert
// URL's origin only (its path may carry a token); the act token, which can change it anyway, sees it whole.

import type { Registration } from '../../src/protocol.ts';
import { receiverOrigin } from '../alerts/receiver-origin.ts';
import type { QueueRunner } from '../queue-runner.ts';
import type { OpsScope } from './auth.ts';
import type { EdgeFigures, EdgeQueueFigures } from './edge-figures.ts';
import { JOB_STATES, type JobState } from '../../src/ops-protocol.ts';

export interface QueueOverview {
  name: string;
  registration: Registration;
  running: boolean;
  counts: Record<JobState, number>;
  edge: EdgeQueueFigures | null;
}

export interface QueuesOverview {
  queues: QueueOverview[];
  edge: { available: true } | { available: false; error: string };
}

const countsOf = async (runner: QueueRunner): Promise<Record<JobState, number>> => {
  const counts = await runner.queue.getJobCounts(...JOB_STATES);
  return Object.fromEntries(JOB_STATES.map((state) => [state, counts[state] ?? 0])) as Record<JobState, number>;
};

/** The registration as `scope` may see it. */
const visibleRegistration = (registration: Registration, scope: OpsScope): Registration =>
  scope === 'act' || !registration.alerts ? registration : { ...registration, alerts: { ...registration.alerts, url: receiverOrigin(registration.alerts.url) } };

export const queuesOverview = async (runners: QueueRunner[], edgeFigures: Promise<EdgeFigures>, scope: OpsScope): Promise<QueuesOverview> => {
  const [figures, counts] = await Promise.all([edgeFigures, Promise.all(runners.map(countsOf))]);
  return {
    queues: runners.map((runner, index) => ({
      name: runner.name,
      registration: visibleRegistration(runner.registration, scope),
      running: runner.status().running,
      counts: counts[index],
      edge: figures.available ? (figures.queues.get(runner.name) ?? null) : null,
    })),
    edge: figures.available ? { available: true } : { available: false, error: figures.error },
  };
};
