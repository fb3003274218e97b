// node test/bench/otel-cost.ts — what tracing costs an idle bridge: the RSS of `node bridge/main.ts`
// with tracing off (no OTEL_* endpoint: the SDK is never loaded) and on (spans to a local OTLP
// receiver), each after the same settle time, several rounds, medians printed.

import { parseArgs } from 'node:util';
import { BridgeProcess } from '../support/bridge.ts';
import { OtlpReceiver } from '../support/otlp-receiver.ts';
import { freePort } from '../../scripts/free-port.ts';
import { RedisServer } from '../support/redis.ts';
import { EDGE_TEST_BINDINGS } from '../support/secrets.ts';
import { sleep } from '../support/wait.ts';
import { sampleProcess } from './proc-stats.ts';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, settle: { type: 'string', default: '5000' } } });
const rounds = Number(args.rounds);
const settleMs = Number(args.settle);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

const redis = await RedisServer.start();
const receiver = await OtlpReceiver.start();
try {
  // No edge listens here: the bridge starts, syncs nothing and idles, as with an empty registry.
  const base = {
    EDGE_URL: `http://127.0.0.1:${await freePort()}`,
    BRIDGE_SECRET: EDGE_TEST_BINDINGS.BRIDGE_SECRET,
    DATABASE_REDIS_HOST: '127.0.0.1',
    DATABASE_REDIS_PORT: String(redis.port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
  };
  const variants = { off: base, on: { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } };
  const rss: Record<string, number[]> = { off: [], on: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, env] of Object.entries(variants)) {
      const bridge = await BridgeProcess.start(env);
      await sleep(settleMs);
      rss[name].push(sampleProcess(bridge.pid).rssBytes);
      await bridge.stop();
    }
  }
  const [off, on] = [median(rss.off), median(rss.on)];
  console.log(`idle bridge RSS, median of ${rounds}: tracing off ${mb(off)} MB, on ${mb(on)} MB (+${mb(on - off)} MB)`);
} finally {
  await receiver.close();
  await redis.close();
}
