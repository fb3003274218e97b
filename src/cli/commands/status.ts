// `queue-worker status`: both tiers at a glance — each tier's /health and /internal/status, and one
// row per queue joining the edge's figures with the bridge's counts. Exit 0 when both are healthy,
// 1 when one reports itself degraded or down, 3 when one cannot be reached (the other still shows).

import type { Command } from 'commander';
import type { BridgeWorkerStatus } from '../../protocol.ts';
import { CliError, EXIT_FAILED, EXIT_UNREACHABLE, TierUnreachableError } from '../errors.ts';
import { printJson, printLine, printTable } from '../output.ts';
import { bridgePublic, edgeAdmin, edgePublic, type GlobalOptions } from '../settings.ts';
import type { TierClient } from '../tier-client.ts';

const HEALTH_ANSWERS = [503];

interface EdgeQueue {
  name: string;
  registration: { paused: boolean; concurrency: number };
  inFlight: number;
  limit: number;
  /** Absent from an edge older than rate limits. */
  rate?: { max: number; perMs: number; started: number } | null;
  latencyMs: { p50: number | null; p95: number | null };
  lastError: { message: string } | null;
  depth: Record<string, number> | null;
}

interface TierReport {
  url: string;
  reachable: boolean;
  error?: string;
  health?: { status: string } & Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** A tier's health and status; unreachable is reported, not thrown, so the other tier still shows. */
const probe = async (tier: TierClient, statusClient: TierClient): Promise<TierReport> => {
  try {
    const [health, status] = await Promise.all([
      tier.request<TierReport['health']>('/health', { accept: HEALTH_ANSWERS }),
      statusClient.request<Record<string, unknown>>('/internal/status'),
    ]);
    return { url: tier.origin, reachable: true, health: health.body, status: status.body };
  } catch (error) {
    if (error instanceof TierUnreachableError) return { url: tier.origin, reachable: false, error: error.message };
    throw error;
  }
};

/** The soonest run of the queue's schedules, as the bridge read it from Redis. */
const nextRun = (worker: BridgeWorkerStatus | undefined): string | undefined =>
  worker?.schedules
    ?.map((schedule) => schedule.nextRunAt)
    .filter((at): at is string => at !== null)
    .sort()[0];

const tierState = (report: TierReport): string => (report.reachable ? (report.health?.status ?? 'unknown') : 'unreachable');

const queueRows = (edge: TierReport, bridge: TierReport) => {
  const workers = new Map(((bridge.status?.workers as BridgeWorkerStatus[] | undefined) ?? []).map((worker) => [worker.queue, worker]));
  const queues = (edge.status?.queues as EdgeQueue[] | undefined) ?? [];
  const names = [...new Set([...queues.map((queue) => queue.name), ...workers.keys()])].sort();
  return names.map((name) => ({ edge: queues.find((queue) => queue.name === name), bridge: workers.get(name), name }));
};

export const registerStatus = (program: Command): void => {
  program
    .command('status')
    .description('both tiers at a glance: health, and per queue in flight / limit, starts / rate limit, depth, next scheduled run, latency, last error')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const [edge, bridge] = await Promise.all([probe(edgePublic(options), edgeAdmin(options)), probe(bridgePublic(options), bridgePublic(options))]);
      const reports = { edge, bridge };
      const healthy = edge.reachable && bridge.reachable && tierState(edge) === 'ok' && tierState(bridge) === 'ok';
      if (options.json) printJson({ ok: healthy, ...reports });
      else {
        printTable(
          [
            { header: 'TIER', value: (row: [string, TierReport]) => row[0] },
            { header: 'URL', value: (row) => row[1].url },
            { header: 'STATUS', value: (row) => tierState(row[1]) },
          ],
          Object.entries(reports),
        );
        printLine('');
        printTable(
          [
            { header: 'QUEUE', value: (row: ReturnType<typeof queueRows>[number]) => row.name },
            { header: 'PAUSED', value: (row) => row.edge?.registration.paused },
            { header: 'IN FLIGHT', value: (row) => (row.edge ? `${row.edge.inFlight}/${row.edge.limit}` : undefined) },
            { header: 'RATE', value: (row) => (row.edge?.rate ? `${row.edge.rate.started}/${row.edge.rate.max} per ${row.edge.rate.perMs} ms` : undefined) },
            { header: 'WORKER', value: (row) => (row.bridge ? (row.bridge.running ? 'running' : 'stopped') : undefined) },
            { header: 'WAITING', value: (row) => row.bridge?.counts?.waiting ?? row.edge?.depth?.waiting },
            { header: 'ACTIVE', value: (row) => row.bridge?.counts?.active ?? row.edge?.depth?.active },
            { header: 'DELAYED', value: (row) => row.bridge?.counts?.delayed ?? row.edge?.depth?.delayed },
            { header: 'FAILED', value: (row) => row.bridge?.counts?.failed ?? row.edge?.depth?.failed },
            { header: 'NEXT RUN', value: (row) => nextRun(row.bridge) },
            { header: 'P95 MS', value: (row) => row.edge?.latencyMs.p95 },
            { header: 'LAST ERROR', value: (row) => row.edge?.lastError?.message },
          ],
          queueRows(edge, bridge),
        );
      }
      // The verdict's one line goes to stderr, like every other error.
      const unreachable = [edge, bridge].find((report) => !report.reachable);
      if (unreachable) throw new CliError(unreachable.error ?? 'a tier is unreachable', EXIT_UNREACHABLE);
      if (!healthy) throw new CliError(`not healthy: edge ${tierState(edge)}, bridge ${tierState(bridge)}`, EXIT_FAILED);
    });
};
