// node test/bench/signature-cost.ts — what a forged signature costs to refuse (issue 11, item 4):
//   edge:    POST /internal/dispatch/batch with a 4 MiB body, against `wrangler dev`: median wall
//            time (it includes sending the 4 MiB) and workerd CPU per request
//   handler: createJobHandler, in process, with a 500 KiB body: median wall time
// each with one, two and 200 bogus `v1=` values, over --runs requests.
// Options: --runs 15, --parts edge,handler

import { parseArgs } from 'node:util';
import { queueKey } from '../../src/feature-keys.ts';
import { createJobHandler } from '../../src/handler/index.ts';
import { percentile } from '../../src/percentile.ts';
import { EdgeServer } from '../support/edge.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { processTree, sampleProcess } from './proc-stats.ts';
import { renderTable, type Cell } from './table.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '15' }, parts: { type: 'string', default: 'edge,handler' } } });
const runs = Number(args.runs);
const parts = new Set(args.parts.split(','));

const EDGE_BODY_BYTES = 4 * 1024 * 1024 - 1024;
const HANDLER_BODY_BYTES = 500 * 1024;
const CANDIDATES = [1, 2, 200];
const WARM_UP_RUNS = 3;

const bogusHeader = (count: number): string =>
  [`t=${Math.floor(Date.now() / 1000)}`, ...Array.from({ length: count }, (_, i) => `v1=${i.toString(16).padStart(64, 'c')}`)].join(',');

/** Warms up (JIT, connections), then the median of `runs` timed requests. */
const medianMs = async (send: () => Promise<number>): Promise<number> => {
  for (let i = 0; i < WARM_UP_RUNS; i++) await send();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const status = await send();
    times.push(performance.now() - started);
    if (status !== 401) throw new Error(`expected 401, got ${status}`);
  }
  return percentile(times.sort((a, b) => a - b), 50) ?? Number.NaN;
};

const rows: Cell[][] = [];

if (parts.has('edge')) {
  const edge = await EdgeServer.start();
  try {
    const workerds = processTree(edge.pid).filter((p) => p.command === 'workerd');
    const cpuMs = () => workerds.reduce((sum, p) => sum + sampleProcess(p.pid).cpuMs, 0);
    const body = JSON.stringify({ queueName: 'bench', jobs: [{ jobId: 'j', data: 'x'.repeat(EDGE_BODY_BYTES), attemptsMade: 0 }] });
    for (const count of CANDIDATES) {
      const cpuBefore = cpuMs();
      const ms = await medianMs(async () => {
        const response = await fetch(`${edge.url}/internal/dispatch/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-queue-signature': bogusHeader(count) },
          body,
        });
        await response.arrayBuffer();
        return response.status;
      });
      rows.push([`edge: 4 MiB batch POST`, count, ms, (cpuMs() - cpuBefore) / (runs + WARM_UP_RUNS)]);
    }
  } finally {
    await edge.close();
  }
}

if (parts.has('handler')) {
  const handle = createJobHandler({ keys: { bench: await queueKey(EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET, 'bench') }, handlers: { bench: () => null } });
  const body = JSON.stringify({ jobId: 'j', queueName: 'bench', data: 'x'.repeat(HANDLER_BODY_BYTES), attemptsMade: 0 });
  for (const count of CANDIDATES) {
    const ms = await medianMs(async () => {
      const request = new Request('http://feature/internal/process-job', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-queue-name': 'bench', 'x-queue-signature': bogusHeader(count) },
        body,
      });
      return (await handle(request)).status;
    });
    rows.push([`createJobHandler: 500 KiB body`, count, ms]);
  }
}

console.log(renderTable(['refusing a forged call', 'v1 values', 'median ms', 'workerd CPU ms/request'], rows));
