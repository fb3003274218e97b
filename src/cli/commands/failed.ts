// `queue-worker failed retry <queue>` (bulk redrive of the failed set, paced) and
// `queue-worker purge <queue> --state …` through the bridge's ops API.

import { Option, type Command } from 'commander';
import { parseDuration, parsePositiveInteger, queueArgument } from '../arguments.ts';
import { printFields, printJson } from '../output.ts';
import { bridgeOps, type GlobalOptions } from '../settings.ts';
import { PURGEABLE_STATES } from '../../ops-protocol.ts';
import { jobsPath } from './jobs.ts';

/** Purge never touches active jobs (the ops API refuses them too). */

interface RedriveOptions {
  olderThan?: number;
  newerThan?: number;
  errorContains?: string;
  limit?: number;
  perSecond?: number;
}

const defined = (object: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));

const show = (body: Record<string, unknown>, options: GlobalOptions): void => (options.json ? printJson(body) : printFields(body));

export const registerFailed = (program: Command): void => {
  program
    .command('failed')
    .description("a queue's failed set (the dead-letter queue)")
    .command('retry')
    .addArgument(queueArgument())
    .description('redrive failed jobs to waiting, paced; filters combine')
    .option('--older-than <duration>', 'only jobs that failed at least this long ago (1h, 30m, 7d)', parseDuration)
    .option('--newer-than <duration>', 'only jobs that failed at most this long ago', parseDuration)
    .option('--error-contains <text>', 'only jobs whose failure reason contains this text')
    .option('--limit <n>', 'at most this many jobs', parsePositiveInteger)
    .option('--per-second <n>', 'retry at most this many jobs a second', parsePositiveInteger)
    .action(async (queue: string, redrive: RedriveOptions, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const body = defined({
        olderThanMs: redrive.olderThan,
        newerThanMs: redrive.newerThan,
        errorContains: redrive.errorContains,
        limit: redrive.limit,
        perSecond: redrive.perSecond,
      });
      show((await bridgeOps(options, 'act').request<Record<string, unknown>>(`${jobsPath(queue)}/failed/retry`, { method: 'POST', body })).body, options);
    });

  program
    .command('purge')
    .addArgument(queueArgument())
    .description('remove jobs of the given states (never active ones)')
    .addOption(new Option('--state <state...>', 'states to remove (repeat or list)').choices(PURGEABLE_STATES).makeOptionMandatory())
    .option('--older-than <duration>', 'only jobs at least this old', parseDuration)
    .action(async (queue: string, purge: { state: string[]; olderThan?: number }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const body = defined({ states: purge.state, olderThanMs: purge.olderThan });
      show((await bridgeOps(options, 'act').request<Record<string, unknown>>(`${jobsPath(queue)}/purge`, { method: 'POST', body })).body, options);
    });
};
