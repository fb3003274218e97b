// The edge's cost in the bench's summary: per job (from the runs' counted units), per idle month
// for one bridge with 38 queues, and per month of a queue kept busy, priced by prices.ts.

import { addUsage, emptyUsage, type Usage } from '../../worker/metering/usage.ts';
import { timeDriven } from './edge-usage.ts';
import { MONTH_SECONDS, priceOf, PRICES_READ_ON } from './prices.ts';
import { renderTable, type Cell } from './table.ts';

export const TARGETS = { perMillionJobs: 0.4, idleMonth: 1, busyQueueMonth: 1.5 };

export interface CostedRun {
  scenario: string;
  jobs: number;
  edgeUsage?: Usage;
}

/** One queue fed at a steady rate: its coordinator's units over a window past the ramp. */
export interface BusyQueueCost {
  usage: Usage;
  seconds: number;
  jobsPerSecond: number;
}

interface Totals {
  usage: Usage;
  jobs: number;
}

const totalsOf = (runs: CostedRun[], scenario: string): Totals | undefined => {
  const measured = runs.filter((run) => run.scenario === scenario && run.edgeUsage);
  if (measured.length === 0) return undefined;
  return measured.reduce<Totals>(
    (sum, run) => ({ usage: addUsage(sum.usage, run.edgeUsage!), jobs: sum.jobs + run.jobs }),
    { usage: emptyUsage(), jobs: 0 },
  );
};

const perMillionJobs = ({ usage, jobs }: Totals): number => (priceOf(usage) / jobs) * 1e6;
const money = (dollars: number): string => `$${dollars.toFixed(2)}`;
const met = (value: number, target: number): string => (value <= target ? 'met' : 'missed');

export const edgeCostReport = (runs: CostedRun[], idle: { usage: Usage; perMonth: number; seconds: number }, busy?: BusyQueueCost) => {
  const rows: Cell[][] = [];
  const lines: string[] = [];
  const checks: Cell[][] = [];
  for (const scenario of ['one', 'many', 'idle']) {
    const totals = totalsOf(runs, scenario);
    if (!totals) continue;
    const { usage, jobs } = totals;
    const per = (units: number) => Math.round((units / jobs) * 1000) / 1000;
    rows.push([
      scenario,
      jobs,
      per(usage.workerRequests) ? Math.round((jobs / usage.workerRequests) * 10) / 10 : null,
      per(usage.workerRequests),
      per(usage.doRequests + usage.alarms),
      per(usage.rowsWritten),
      per(usage.kvReads + usage.kvWrites + usage.kvDeletes + usage.kvLists),
      per(usage.activeMs),
      money(perMillionJobs(totals)),
    ]);
  }
  const one = totalsOf(runs, 'one');
  if (one) {
    const cost = perMillionJobs(one);
    const batchMean = Math.round((one.jobs / Math.max(1, one.usage.workerRequests)) * 10) / 10;
    lines.push(`edge cost: ${money(cost)} per million jobs (one queue, batch mean ${batchMean})`);
    checks.push(['one', 'edge $ per million jobs', money(cost), `≤ ${money(TARGETS.perMillionJobs)}`, met(cost, TARGETS.perMillionJobs)]);
  }
  lines.push(`edge fixed cost: ${money(idle.perMonth)} per month idle (38 queues, 1 bridge)`);
  checks.push(['idle-38', 'edge $ per month idle, 1 bridge', money(idle.perMonth), `≤ ${money(TARGETS.idleMonth)}`, met(idle.perMonth, TARGETS.idleMonth)]);
  if (busy) {
    const busyMonth = (priceOf(timeDriven(busy.usage)) / busy.seconds) * MONTH_SECONDS;
    const rate = Math.round(busy.jobsPerSecond);
    lines.push(
      `edge busy queue: ${money(busyMonth)} per month (one queue at ${rate} jobs/s for ${Math.round(busy.seconds)} s: its coordinator's alarms, rows and awake time, kept busy all month; jobs priced apart)`,
    );
    checks.push(['busy', 'edge $ per busy queue month', money(busyMonth), `≤ ${money(TARGETS.busyQueueMonth)}`, met(busyMonth, TARGETS.busyQueueMonth)]);
  }
  const idleRow: Cell[] = [
    `38 idle queues, 1 bridge, ${Math.round(idle.seconds)} s`,
    idle.usage.workerRequests,
    idle.usage.doRequests + idle.usage.alarms,
    idle.usage.rowsWritten,
    idle.usage.kvReads + idle.usage.kvWrites + idle.usage.kvDeletes + idle.usage.kvLists,
  ];
  const table = renderTable(
    ['scenario (variant C)', 'jobs', 'batch mean', 'Worker req/job', 'DO calls/job', 'rows written/job', 'KV ops/job', 'DO awake ms/job', 'edge $/M jobs'],
    rows,
  );
  const idleTable = renderTable(['measured window', 'Worker req', 'DO calls', 'rows written', 'KV ops'], [idleRow]);
  const busyTable = busy
    ? `\n\n${renderTable(
        ['busy queue window', 'jobs/s', 'alarms', 'rows written', 'awake ms', 'awake %'],
        [[`${Math.round(busy.seconds)} s`, Math.round(busy.jobsPerSecond), busy.usage.alarms, busy.usage.rowsWritten, Math.round(busy.usage.activeMs), Math.round((busy.usage.activeMs / (busy.seconds * 10)) * 10) / 10]],
      )}`
    : '';
  return { text: `edge units counted by the edge, priced at list prices read ${PRICES_READ_ON} (test/bench/prices.ts)\n\n${table}\n\n${idleTable}${busyTable}`, lines, checks };
};
