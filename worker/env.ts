// Hono's view of the Worker: generated bindings (worker-configuration.d.ts), every var and secret
// the edge reads (config.ts), and per-request values.

import type { EdgeVars } from './config.ts';

export interface AppEnv {
  Bindings: Env & EdgeVars;
  Variables: {
    /** The request body as the bridge signed it (set by bridgeAuth). */
    rawBody: string;
  };
}
