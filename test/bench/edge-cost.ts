// node test/bench/edge-cost.ts — CPU per request in each workerd process of the local edge (as
// npm start runs it), and the billable units the edge counted per request, for requests of growing
// weight, to see where the edge's per-job cost goes (BENCHMARKS.md).

import { parseArgs } from 'node:util';
import { Signer } from '../../src/signing.ts';
import { EdgeServer } from '../support/edge.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { readEdgeUsage, usageBetween } from './edge-usage.ts';
import { NoopFeature } from './noop-feature.ts';
import { priceOf } from './prices.ts';
import { processTree, sampleProcess } from './proc-stats.ts';
import { renderTable, type Cell } from './table.ts';

const { values: args } = parseArgs({ options: { requests: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '50' } } });
const requests = Number(args.requests);
const concurrency = Number(args.concurrency);

const feature = await NoopFeature.start();
const edge = await EdgeServer.start();
try {
  const workerds = processTree(edge.pid).filter((p) => p.command === 'workerd');
  const signer = new Signer(EDGE_TEST_BINDINGS.BRIDGE_SECRET);
  await edge.putRegistration('cost', { endpoint: feature.url, concurrency, timeoutMs: 30_000 });
  const dispatch = (queueName: string) => async (i: number) => {
    const body = JSON.stringify({ jobId: `job-${i}`, queueName, data: {}, attemptsMade: 0 });
    const signature = await signer.signBridgeRequest('POST', '/internal/dispatch', body);
    return fetch(`${edge.url}/internal/dispatch`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-queue-signature': signature } });
  };
  const kinds: [string, (i: number) => Promise<Response>][] = [
    ['GET /nothing (404: routing only)', () => fetch(`${edge.url}/nothing`)],
    ['dispatch, unknown queue (auth + 1 Durable Object call)', dispatch('never-registered')],
    ['dispatch (acquire, feature call, release)', dispatch('cost')],
  ];
  const rows: Cell[][] = [];
  for (const [label, send] of kinds) {
    const queues = ['cost', 'never-registered'];
    const usageBefore = await readEdgeUsage(edge, queues);
    const before = workerds.map((p) => sampleProcess(p.pid).cpuMs);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) await (await send(next++)).text();
      }),
    );
    const perSecond = Math.round((requests * 1000) / (performance.now() - started));
    const cpu = workerds.map((p, i) => (sampleProcess(p.pid).cpuMs - before[i]) / requests);
    const usage = usageBetween(usageBefore, await readEdgeUsage(edge, queues), { routes: ['dispatch', 'other'], singletons: false });
    const per = (units: number) => Math.round((units / requests) * 100) / 100;
    rows.push([label, perSecond, ...cpu, per(usage.doRequests + usage.alarms), per(usage.rowsWritten), `$${((priceOf(usage) / requests) * 1e6).toFixed(2)}`]);
  }
  console.log(renderTable(['request', 'req/s', ...workerds.map((_p, i) => `workerd #${i + 1} CPU ms/req`), 'DO calls/req', 'rows written/req', 'edge $/M req'], rows));
} finally {
  await edge.close();
  await feature.close();
}
