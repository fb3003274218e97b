// `queue-worker queues apply FILE [--dry-run] [--prune]`: prints the diff between the file and the
// edge, then (unless --dry-run) writes it: PUT to create, PATCH with If-Match to update, DELETE with
// If-Match to prune. A queue changed at the edge since it was read is reported as a conflict (exit 4)
// and left as the other writer made it; the other changes still go through.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseJsonOrUndefined } from '../../json.ts';
import { planApply, isWrite, type Change, type WriteChange } from '../apply/plan.ts';
import { parseRegistrationFile } from '../apply/registration-file.ts';
import { CliError, EXIT_CONFLICT, EXIT_FAILED, RequestFailedError, UsageError } from '../errors.ts';
import { cell, printJson, printLine } from '../output.ts';
import { edgeAdmin, type GlobalOptions } from '../settings.ts';
import type { TierClient } from '../tier-client.ts';
import { deleteRegistration, listRegistrations, writeRegistration } from './queues.ts';

const MARKS: Readonly<Record<Change['action'], string>> = { create: '+', update: '~', delete: '-', unchanged: '=', conflict: '!', keep: ' ' };

type Outcome = 'applied' | 'conflict' | 'failed';

interface WriteResult {
  name: string;
  action: WriteChange['action'];
  outcome: Outcome;
  error?: string;
}

const readDocument = async (file: string): Promise<unknown> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  const document = parseJsonOrUndefined(text);
  if (document === undefined) throw new UsageError(`${file} is not valid JSON`);
  return document;
};

const describe = (change: Change): string => {
  switch (change.action) {
    case 'create':
    case 'update':
      return change.fields.map((f) => (change.action === 'update' ? `${f.field}: ${cell(f.from)} → ${cell(f.to)}` : `${f.field}: ${cell(f.to)}`)).join(', ');
    case 'conflict':
      return `the file was edited from version ${change.fileVersion}; the edge has ${change.edgeVersion === null ? 'no such queue' : `version ${change.edgeVersion}`}`;
    case 'keep':
      return 'not in the file (--prune deletes it)';
    default:
      return '';
  }
};

const printDiff = (changes: Change[]): void => {
  const width = Math.max(0, ...changes.map((change) => change.name.length));
  for (const change of changes) printLine(`${MARKS[change.action]} ${change.action.padEnd(9)} ${change.name.padEnd(width)}  ${describe(change)}`.trimEnd());
};

const write = async (edge: TierClient, change: WriteChange): Promise<WriteResult> => {
  try {
    if (change.action === 'create') await writeRegistration(edge, 'PUT', change.name, change.input);
    else if (change.action === 'update') await writeRegistration(edge, 'PATCH', change.name, change.input, change.version);
    else await deleteRegistration(edge, change.name, change.version);
    return { name: change.name, action: change.action, outcome: 'applied' };
  } catch (error) {
    if (!(error instanceof RequestFailedError)) throw error;
    return { name: change.name, action: change.action, outcome: error.status === 412 ? 'conflict' : 'failed', error: error.message };
  }
};

export const registerApply = (queues: Command): void => {
  queues
    .command('apply')
    .argument('<file>', 'JSON: [registration…] or { "registrations": [...] }; seed entries { name, endpoint, config: { concurrency, timeout } } too')
    .description("make the edge's registrations match a file, printing the diff first")
    .option('--dry-run', 'print the diff and change nothing')
    .option('--prune', 'delete registrations the file does not list')
    .action(async (file: string, applyOptions: { dryRun?: boolean; prune?: boolean }, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const parsed = parseRegistrationFile(await readDocument(file));
      if (!parsed.ok) throw new UsageError(`${file}: ${parsed.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
      const edge = edgeAdmin(options);
      const changes = planApply(parsed.entries, await listRegistrations(edge), { prune: applyOptions.prune === true });
      const missingEndpoint = changes.filter((change) => change.action === 'create' && change.input.endpoint === undefined).map((change) => change.name);
      if (missingEndpoint.length > 0) throw new UsageError(`${file}: new queue(s) need an endpoint: ${missingEndpoint.join(', ')}`);

      const results = applyOptions.dryRun ? [] : await Promise.all(changes.filter(isWrite).map((change) => write(edge, change)));
      const conflicts = [...changes.filter((change) => change.action === 'conflict').map((change) => change.name), ...results.filter((r) => r.outcome === 'conflict').map((r) => r.name)];
      const failures = results.filter((result) => result.outcome === 'failed');
      if (options.json) printJson({ dryRun: applyOptions.dryRun === true, changes, results });
      else {
        printDiff(changes);
        const applied = results.filter((result) => result.outcome === 'applied').length;
        printLine(applyOptions.dryRun ? 'dry run: nothing changed' : `applied ${applied} change(s)`);
        for (const result of results.filter((r) => r.outcome !== 'applied')) printLine(`${result.outcome}: ${result.action} ${result.name}: ${result.error}`);
      }
      if (failures.length > 0) throw new CliError(`${failures.length} change(s) failed: ${failures.map((r) => r.name).join(', ')}`, EXIT_FAILED);
      if (conflicts.length > 0) {
        throw new CliError(`conflict: changed at the edge since read, left as they are: ${conflicts.join(', ')} (read them again, then re-apply)`, EXIT_CONFLICT);
      }
    });
};
