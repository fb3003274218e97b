// What a Bridge tells its embedder (the CLI, tests) as it runs.

import type { EventEmitter } from 'node:events';

export type WorkerStopReason = 'paused' | 'removed' | 'shutdown';

export interface BridgeEvents {
  'worker:started': [{ queue: string; concurrency: number }];
  'worker:reconfigured': [{ queue: string; concurrency: number }];
  'worker:stopped': [{ queue: string; reason: WorkerStopReason }];
  /** The edge answered (up) or faulted (down); emitted on changes only. */
  'edge:status': [{ up: boolean; error?: string }];
  /** The shared Redis connection became ready (up) or was lost (down); changes only. */
  'redis:status': [{ up: boolean; error?: string }];
}

export type BridgeEmitter = EventEmitter<BridgeEvents>;
