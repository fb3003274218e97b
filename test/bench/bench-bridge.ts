// How the benchmarks run C's bridge — the container's bundle, with the image's Node flags, at a
// deployed bridge's poll and heartbeat intervals — and fill a queue for it (bench.ts, bridge-profile.ts).

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queue } from 'bullmq';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_SYNC_INTERVAL_MS } from '../../bridge/config.ts';
import { bridgeEnv, BridgeProcess, type Env } from '../support/bridge.ts';
import { imageNodeFlags } from '../support/image-entrypoint.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What `npm run build:bridge` writes and the image runs. */
export const BRIDGE_BUNDLE = join(ROOT, 'dist', 'bridge', 'main.mjs');
const ADD_CHUNK = 1_000;

export const buildBridge = (): void => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-bridge.ts')], { stdio: 'inherit' });
};

/** `bundle` as the image runs it (plus `nodeFlags`), against the bench's edge and Redis. */
export const startBenchBridge = (edgeUrl: string, redisPort: number, { bundle = BRIDGE_BUNDLE, nodeFlags = [] as string[], env = {} as Env } = {}): Promise<BridgeProcess> =>
  BridgeProcess.start(
    bridgeEnv(edgeUrl, redisPort, {
      QUEUE_COMPLETED_RETENTION_COUNT: '10000000',
      BRIDGE_LOCK_DURATION_MS: '30000',
      LOG_LEVEL: 'warn',
      // What a deployed bridge polls and heartbeats at, since the edge's fixed cost is priced from them.
      BRIDGE_SYNC_INTERVAL_MS: String(DEFAULT_SYNC_INTERVAL_MS),
      BRIDGE_HEARTBEAT_INTERVAL_MS: String(DEFAULT_HEARTBEAT_INTERVAL_MS),
      ...env,
    }),
    bundle,
    [...imageNodeFlags(), ...nodeFlags],
  );

/** `count` jobs named `bench`, `data.n` 0…count−1, in bulk adds of ADD_CHUNK. */
export const addJobs = async (queue: Queue, count: number): Promise<void> => {
  for (let start = 0; start < count; start += ADD_CHUNK) {
    const size = Math.min(ADD_CHUNK, count - start);
    await queue.addBulk(Array.from({ length: size }, (_, i) => ({ name: 'bench', data: { n: start + i } })));
  }
};
