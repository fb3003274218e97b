// `queue-worker keys <queue>`: the queue's feature signing key (and the next one while the platform
// secret rotates), derived by the edge for an admin, to hand to the team that owns the queue.
// Printed as the `keys` / `nextKeys` options of createJobHandler, like `npm run feature-keys`.

import type { Command } from 'commander';
import { queueArgument } from '../arguments.ts';
import { printJson } from '../output.ts';
import { edgeAdmin, type GlobalOptions } from '../settings.ts';

export const registerKeys = (program: Command): void => {
  program
    .command('keys')
    .addArgument(queueArgument())
    .description("print the queue's feature signing key (admin only; give it to the queue's owners only)")
    .action(async (queue: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { body } = await edgeAdmin(options).request<{ key: string; nextKey?: string }>(`/admin/registrations/${queue}/keys`);
      printJson(options.json ? body : { keys: { [queue]: body.key }, ...(body.nextKey === undefined ? {} : { nextKeys: { [queue]: body.nextKey } }) });
    });
};
