// Hono's view of the Worker: generated bindings (worker-configuration.d.ts) plus per-request values.

import type { QueuesBindings } from './routes/queues.ts';

/**
 * Secrets a deployment may leave unset (the routes that need them answer 503 naming them), so
 * they are typed optional here rather than generated from .dev.vars by `wrangler types`.
 */
export interface OptionalSecrets extends Omit<QueuesBindings, 'REGISTRATIONS'> {
  /** Also accepted on bridge signatures while BRIDGE_SECRET rotates. */
  BRIDGE_SECRET_NEXT?: string;
  /** 'true' lets endpoints be loopback or private addresses (local development only; unset in production). */
  ALLOW_PRIVATE_ENDPOINTS?: string;
}

export interface AppEnv {
  Bindings: Env & OptionalSecrets;
  Variables: {
    /** The request body as the bridge signed it (set by bridgeAuth). */
    rawBody: string;
  };
}
