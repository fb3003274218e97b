// Bindings only the test runs add (vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    /** Base URL of the Node feature stub (test/support/feature-stub.ts). */
    FEATURE_STUB_URL: string;
    /** Cases per fuzz property when set (FUZZ_RUNS in the shell); empty for the defaults. */
    FUZZ_RUNS: string;
  }
}
