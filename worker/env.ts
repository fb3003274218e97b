// Hono's view of the Worker: generated bindings (worker-configuration.d.ts), every var and secret
// the edge reads (config.ts), and per-request values.

import type { EdgeVars } from './config.ts';
import type { AcceptedSignature } from './coordinator/types.ts';

export interface AppEnv {
  Bindings: Env & EdgeVars;
  Variables: {
    /** The request body as the bridge signed it (set by bridgeAuth). */
    rawBody: string;
    /** The request's verified signature (set by bridgeAuth), for replay checks. */
    signature: AcceptedSignature;
  };
}
