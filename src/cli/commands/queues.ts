// `queue-worker queues ls|get|set|pause|resume|rm`: the edge's admin API for registrations.
// `set` patches the fields given (creating the queue when it does not exist yet; `--no-rate-limit`
// removes the queue's rate limit); `--if-match`
// makes set and rm refuse, exit 4, when the queue changed since the version the operator read.

import { Option, type Command } from 'commander';
import type { BackoffType, RateLimit, Registration, RegistrationInput } from '../../protocol.ts';
import { BACKOFF_TYPES } from '../../registration.ts';
import { parsePositiveInteger, parseRateLimit, queueArgument } from '../arguments.ts';
import { RequestFailedError, UsageError } from '../errors.ts';
import { printFields, printJson, printLine, printTable } from '../output.ts';
import { edgeAdmin, type GlobalOptions } from '../settings.ts';
import type { TierClient } from '../tier-client.ts';

const registrationPath = (name: string): string => `/admin/registrations/${encodeURIComponent(name)}`;

export const ifMatchHeader = (version: number | undefined): Record<string, string> => (version === undefined ? {} : { 'If-Match': `"${version}"` });

export const listRegistrations = async (edge: TierClient): Promise<Registration[]> =>
  (await edge.request<{ registrations: Registration[] }>('/admin/registrations')).body.registrations;

/** The registration, or undefined when the edge has none by that name. */
export const getRegistration = async (edge: TierClient, name: string): Promise<Registration | undefined> => {
  try {
    return (await edge.request<Registration>(registrationPath(name))).body;
  } catch (error) {
    if (error instanceof RequestFailedError && error.status === 404) return undefined;
    throw error;
  }
};

export const writeRegistration = async (edge: TierClient, method: 'PUT' | 'PATCH', name: string, input: RegistrationInput, ifMatch?: number): Promise<Registration> =>
  (await edge.request<Registration>(registrationPath(name), { method, body: input, headers: ifMatchHeader(ifMatch) })).body;

export const deleteRegistration = async (edge: TierClient, name: string, ifMatch?: number): Promise<void> => {
  await edge.request(registrationPath(name), { method: 'DELETE', headers: ifMatchHeader(ifMatch) });
};

const showRegistration = (registration: Registration, options: GlobalOptions): void =>
  options.json ? printJson(registration) : printFields(registration as unknown as Record<string, unknown>);

interface SetOptions {
  endpoint?: string;
  path?: string;
  concurrency?: number;
  timeoutMs?: number;
  attempts?: number;
  backoff?: BackoffType;
  backoffDelayMs?: number;
  backoffMaxDelayMs?: number;
  /** false: --no-rate-limit. */
  rateLimit?: RateLimit | false;
  ifMatch?: number;
}

/** Only the fields given: a PATCH leaves the others as they are. */
const inputFrom = (options: SetOptions): RegistrationInput => {
  const backoff = {
    ...(options.backoff === undefined ? {} : { type: options.backoff }),
    ...(options.backoffDelayMs === undefined ? {} : { delayMs: options.backoffDelayMs }),
    ...(options.backoffMaxDelayMs === undefined ? {} : { maxDelayMs: options.backoffMaxDelayMs }),
  };
  const retry = {
    ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
    ...(Object.keys(backoff).length === 0 ? {} : { backoff }),
  };
  return {
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.path === undefined ? {} : { path: options.path }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(Object.keys(retry).length === 0 ? {} : { retry }),
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit === false ? null : options.rateLimit }),
  };
};

const setPaused = (queues: Command, verb: 'pause' | 'resume', paused: boolean): void => {
  queues
    .command(verb)
    .addArgument(queueArgument())
    .description(paused ? 'pause a queue at the edge (its coordinator throttles every dispatch; nothing is lost)' : 'resume a paused queue')
    .action(async (name: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      showRegistration(await writeRegistration(edgeAdmin(options), 'PATCH', name, { paused }), options);
    });
};

export const registerQueues = (program: Command): Command => {
  const queues = program.command('queues').description("the edge's queue registrations");

  queues
    .command('ls')
    .description('list every registration')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const registrations = await listRegistrations(edgeAdmin(options));
      if (options.json) return printJson({ registrations });
      printTable(
        [
          { header: 'NAME', value: (r: Registration) => r.name },
          { header: 'ENDPOINT', value: (r) => `${r.endpoint}${r.path}` },
          { header: 'CONCURRENCY', value: (r) => r.concurrency },
          { header: 'TIMEOUT MS', value: (r) => r.timeoutMs },
          { header: 'ATTEMPTS', value: (r) => r.retry.attempts },
          { header: 'PAUSED', value: (r) => r.paused },
          { header: 'VERSION', value: (r) => r.version },
        ],
        registrations,
      );
    });

  queues
    .command('get')
    .addArgument(queueArgument())
    .description('one registration')
    .action(async (name: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const registration = await getRegistration(edgeAdmin(options), name);
      if (!registration) throw new RequestFailedError('edge', 404, 'not_found', `queue '${name}' is not registered`);
      showRegistration(registration, options);
    });

  queues
    .command('set')
    .addArgument(queueArgument())
    .description('create a queue, or change the fields given and keep the others')
    .option('--endpoint <url>', "the feature API's base URL (required to create)")
    .option('--path <path>', 'the feature route (default /internal/process-job)')
    .option('--concurrency <n>', 'global limit across every bridge', parsePositiveInteger)
    .option('--timeout-ms <ms>', 'feature call timeout', parsePositiveInteger)
    .option('--attempts <n>', 'tries per job', parsePositiveInteger)
    .addOption(new Option('--backoff <type>', 'retry backoff').choices(BACKOFF_TYPES))
    .option('--backoff-delay-ms <ms>', 'first retry delay', parsePositiveInteger)
    .option('--backoff-max-delay-ms <ms>', 'longest retry delay', parsePositiveInteger)
    .option('--rate-limit <max/window>', 'at most max job starts per window across every bridge, e.g. 100/1s', parseRateLimit)
    .option('--no-rate-limit', "remove the queue's rate limit")
    .option('--if-match <version>', 'refuse (exit 4) unless the queue is still at this version', parsePositiveInteger)
    .action(async (name: string, setOptions: SetOptions, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const input = inputFrom(setOptions);
      if (Object.keys(input).length === 0) throw new UsageError('nothing to set: give at least one field (see queue-worker queues set --help)');
      const edge = edgeAdmin(options);
      let registration: Registration;
      try {
        registration = await writeRegistration(edge, 'PATCH', name, input, setOptions.ifMatch);
      } catch (error) {
        // PATCH needs an existing queue; a new one is created with PUT (the edge fills the defaults).
        if (!(error instanceof RequestFailedError && error.status === 404)) throw error;
        registration = await writeRegistration(edge, 'PUT', name, input, setOptions.ifMatch);
      }
      showRegistration(registration, options);
    });

  setPaused(queues, 'pause', true);
  setPaused(queues, 'resume', false);

  queues
    .command('rm')
    .addArgument(queueArgument())
    .description("delete a registration (its workers stop; jobs stay in Redis)")
    .option('--if-match <version>', 'refuse (exit 4) unless the queue is still at this version', parsePositiveInteger)
    .action(async (name: string, rmOptions: { ifMatch?: number }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await deleteRegistration(edgeAdmin(options), name, rmOptions.ifMatch);
      options.json ? printJson({ deleted: name }) : printLine(`deleted ${name}`);
    });
  return queues;
};
