// Hono's view of the Worker: generated bindings (worker-configuration.d.ts) plus per-request values.

/** Optional secrets, absent from .dev.vars so `wrangler types` cannot know them. */
export interface OptionalSecrets {
  /** Also accepted on bridge signatures while BRIDGE_SECRET rotates. */
  BRIDGE_SECRET_NEXT?: string;
}

export interface AppEnv {
  Bindings: Env & OptionalSecrets;
  Variables: {
    /** The request body as the bridge signed it (set by bridgeAuth). */
    rawBody: string;
  };
}
