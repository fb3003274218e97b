// bull-board for the console's job browser: one BullMQ adapter per queue this bridge runs, rebuilt
// only when the set of queues changes (checked per console request, never per job). Two boards on
// the same queues: a read-only one for read sessions (no action buttons, actions refused), a full one.

import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono } from 'hono';
import type { QueueRunner } from '../queue-runner.ts';
import type { OpsScope } from '../ops/auth.ts';
import { CONSOLE_BASE } from './layout.ts';

const UI_CONFIG = {
  boardTitle: 'Queue Worker',
  miscLinks: [
    { text: 'Queues and edge', url: `${CONSOLE_BASE}/queues` },
    { text: 'Log out', url: `${CONSOLE_BASE}/logout` },
  ],
};

interface ScopedBoard {
  app: Hono;
  readOnlyMode: boolean;
  replaceQueues: ReturnType<typeof createBullBoard>['replaceQueues'];
}

const scopedBoard = (readOnlyMode: boolean): ScopedBoard => {
  const adapter = new HonoAdapter(serveStatic).setBasePath(CONSOLE_BASE);
  const { replaceQueues } = createBullBoard({ queues: [], serverAdapter: adapter, options: { uiConfig: UI_CONFIG } });
  return { app: new Hono().route(CONSOLE_BASE, adapter.registerPlugin()), readOnlyMode, replaceQueues };
};

const sameQueues = (a: readonly Queue[], b: readonly Queue[]): boolean => a.length === b.length && a.every((queue, index) => queue === b[index]);

export class Board {
  readonly #boards: Record<OpsScope, ScopedBoard> = { read: scopedBoard(true), act: scopedBoard(false) };
  /** The Queue objects shown now: a queue removed and registered again gets a new runner and Queue. */
  #queues: Queue[] = [];

  /** The board for `scope`, showing exactly `runners`' queues. */
  for(scope: OpsScope, runners: QueueRunner[]): Hono {
    const queues = runners.map((runner) => runner.queue);
    if (!sameQueues(queues, this.#queues)) {
      this.#queues = queues;
      for (const board of Object.values(this.#boards)) {
        board.replaceQueues(queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: board.readOnlyMode })));
      }
    }
    return this.#boards[scope].app;
  }
}
