// Values of every kind and size a job's packed arguments and options hold. Packed once by msgpackr
// in Node (msgpack-reference-global-setup.ts), where BullMQ runs, and again inside workerd by the
// edge: workerd has no Buffer, so msgpackr takes its other code path there. Node-free.

declare module 'vitest' {
  export interface ProvidedContext {
    /** Per case name, msgpackr's bytes in Node as hex. */
    msgpackReference: Record<string, string>;
  }
}

export const MSGPACK_CASES: Record<string, unknown> = {
  'small and large unsigned integers': [0, 1, 31, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1],
  'negative integers': [-1, -32, -33, -128, -129, -32_768, -32_769, -(2 ** 31)],
  'numbers beyond 32 bits and fractions': [2 ** 32, 1_764_270_000_123, -(2 ** 31) - 1, 0.2, -1.5, Number.MAX_SAFE_INTEGER],
  'strings of every header size': ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(255), 'x'.repeat(256), 'x'.repeat(70_000)],
  'non-ASCII strings': ['ünïcode', '✓ done', '📬 mail', 'é'.repeat(40), '🦀'.repeat(20_000)],
  'booleans, null and undefined': [true, false, null, undefined],
  'arrays of every header size': [[], Array.from({ length: 15 }, (_, i) => i), Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 70_000 }, () => 1)],
  'nested objects, undefined values kept as nil': { attempts: 3, backoff: { type: 'fixed', delay: 1000, jitter: 0.5 }, gone: undefined, list: [{ a: 1 }], empty: {} },
};
