// What the feature stub is told to answer and what it records; Node-free, so tests inside workerd
// can use the same types.

export interface StubBehaviour {
  status?: number;
  /** JSON body; defaults to `{ success: true, result: { ok: true } }` for 2xx. */
  body?: unknown;
  /** Sent verbatim instead of `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Never answer (the caller's timeout must fire). */
  hang?: boolean;
}

export interface RecordedRequest {
  path: string;
  headers: Record<string, string>;
  body: unknown;
  rawBody: string;
  signatureValid: boolean;
  receivedAt: number;
}

export interface QueueStubStats {
  count: number;
  inFlight: number;
  maxInFlight: number;
  /** Calls whose caller went away before the stub answered (the feature's request signal fired). */
  aborted: number;
}
