// `queue-worker jobs ls|get|retry|cancel`: one queue's jobs through the bridge's ops API
// (ARCHITECTURE "Operations (bridge)"). Reads take OPS_READ_TOKEN or OPS_TOKEN; actions OPS_TOKEN.
// A job in a state that does not allow the action (409) exits 4.

import { Argument, Option, type Command } from 'commander';
import { parsePositiveInteger, queueArgument } from '../arguments.ts';
import { printFields, printJson, printLine, printTable } from '../output.ts';
import { bridgeOps, type GlobalOptions } from '../settings.ts';
import { JOB_STATES, type AttemptEntry, type JobDetail, type JobSummary } from '../../ops-protocol.ts';

export const jobsPath = (queue: string): string => `/ops/queues/${queue}`;

const jobPath = (queue: string, id: string): string => `${jobsPath(queue)}/jobs/${encodeURIComponent(id)}`;

const time = (epochMs: number | undefined): string | undefined => (epochMs === undefined ? undefined : new Date(epochMs).toISOString());

const jobArgument = (): Argument => new Argument('<id>', 'the job id');

export const registerJobs = (program: Command): void => {
  const jobs = program.command('jobs').description("a queue's jobs, through the bridge's ops API");

  jobs
    .command('ls')
    .addArgument(queueArgument())
    .description('jobs of one state, newest first')
    .addOption(new Option('--state <state>', 'which jobs').choices(JOB_STATES).default('failed'))
    .option('--limit <n>', 'jobs per page', parsePositiveInteger)
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .action(async (queue: string, lsOptions: { state: string; limit?: number; cursor?: string }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const query = new URLSearchParams({ state: lsOptions.state });
      if (lsOptions.limit !== undefined) query.set('limit', String(lsOptions.limit));
      if (lsOptions.cursor !== undefined) query.set('cursor', lsOptions.cursor);
      const { body } = await bridgeOps(options, 'read').request<{ jobs: JobSummary[]; nextCursor: string | null }>(`${jobsPath(queue)}/jobs?${query}`);
      if (options.json) return printJson(body);
      printTable(
        [
          { header: 'ID', value: (job: JobSummary) => job.id },
          { header: 'NAME', value: (job) => job.name },
          { header: 'STATE', value: (job) => job.state },
          { header: 'ATTEMPTS', value: (job) => job.attemptsMade },
          { header: 'ADDED', value: (job) => time(job.timestamp) },
          { header: 'FINISHED', value: (job) => time(job.finishedOn) },
          { header: 'REASON', value: (job) => job.failedReason },
        ],
        body.jobs,
      );
      if (body.nextCursor) printLine(`more: --cursor ${body.nextCursor}`);
    });

  jobs
    .command('get')
    .addArgument(queueArgument())
    .addArgument(jobArgument())
    .description('one job: data, options, result and its attempt trail')
    .action(async (queue: string, id: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { body } = await bridgeOps(options, 'read').request<JobDetail>(jobPath(queue, id));
      if (options.json) return printJson(body);
      const { attempts, ...job } = body;
      printFields(job as unknown as Record<string, unknown>);
      printLine('');
      printTable(
        [
          { header: 'ATTEMPT', value: (a: AttemptEntry) => a.attempt },
          { header: 'AT', value: (a) => a.at },
          { header: 'OUTCOME', value: (a) => a.outcome },
          { header: 'STATUS', value: (a) => a.status },
          { header: 'MS', value: (a) => a.durationMs },
          { header: 'BRIDGE', value: (a) => a.bridgeId },
          { header: 'ERROR', value: (a) => a.error },
        ],
        attempts ?? [],
      );
    });

  for (const [verb, description] of [
    ['retry', 'a failed job back to waiting with fresh attempts'],
    ['cancel', "remove a waiting/delayed job, or abort an active one's feature call (it fails, reason cancelled)"],
  ] as const) {
    jobs
      .command(verb)
      .addArgument(queueArgument())
      .addArgument(jobArgument())
      .description(description)
      .action(async (queue: string, id: string, _options, command: Command) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const { body } = await bridgeOps(options, 'act').request<Record<string, unknown>>(`${jobPath(queue, id)}/${verb}`, { method: 'POST' });
        options.json ? printJson(body ?? {}) : printFields(body ?? { id, [verb === 'retry' ? 'retried' : 'cancelled']: true });
      });
  }
};
