// The `queue-worker` command line: commander builds it; run() parses argv, runs one command and
// answers its exit code (errors.ts). Every failure is one line on stderr, prefixed with the program
// name; tokens are never printed (they are only ever sent as Authorization headers).

import { Command, CommanderError, Option } from 'commander';
import { registerApply } from './commands/apply.ts';
import { registerFailed } from './commands/failed.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerKeys } from './commands/keys.ts';
import { registerQueues } from './commands/queues.ts';
import { registerStatus } from './commands/status.ts';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './errors.ts';
import { SETTINGS } from './settings.ts';

const PROGRAM = 'queue-worker';
/** Commander's "errors" that are the help or version the user asked for. */
const SUCCESSFUL_EXITS = new Set(['commander.helpDisplayed', 'commander.version']);

const EXIT_CODES_HELP = `
Exit codes: 0 ok · 1 refused or failed (the tier answered 4xx/5xx, or status is not healthy) ·
2 usage (bad flag, argument, setting or file; nothing sent) · 3 a tier is unreachable ·
4 conflict (changed by someone else since read, or a job in a state that does not allow it).`;

export const buildProgram = (): Command => {
  const program = new Command(PROGRAM)
    .description("Operate Queue Worker: the edge's registrations and keys, the bridge's jobs, both tiers' status.")
    .showSuggestionAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: (message, write) => write(`${PROGRAM}: ${message.replace(/^error: /, '').trim()}\n`) })
    .addHelpText('after', EXIT_CODES_HELP)
    .option('--json', 'print JSON (for scripts) instead of tables');
  for (const setting of Object.values(SETTINGS)) program.addOption(new Option(setting.flag, setting.help).env(setting.env));
  registerStatus(program);
  registerApply(registerQueues(program));
  registerKeys(program);
  registerJobs(program);
  registerFailed(program);
  return program;
};

/** Runs one command line; resolves to its exit code. */
export const run = async (argv: string[]): Promise<number> => {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return SUCCESSFUL_EXITS.has(error.code) ? EXIT_OK : EXIT_USAGE;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${PROGRAM}: ${message.split('\n')[0]}\n`);
    return error instanceof CliError ? error.exitCode : EXIT_FAILED;
  }
};
