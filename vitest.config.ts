import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Values the edge sees in tests; test/support/secrets.ts exports the same ones for Node-side code.
export const EDGE_TEST_BINDINGS = {
  ADMIN_TOKEN: 'test-admin-token',
  BRIDGE_SECRET: 'test-bridge-secret',
  FEATURE_SIGNING_SECRET: 'test-feature-signing-secret',
  PRODUCER_TOKEN: 'test-producer-token',
  // The feature stubs listen on 127.0.0.1; tests of the refusal pass a copy of env with it off.
  ALLOW_PRIVATE_ENDPOINTS: 'true',
};

export default defineConfig({
  test: {
    projects: [
      {
        // worker/ and src/ tested inside real workerd.
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // FUZZ_RUNS: how many cases each fuzz property runs (test/support/fuzz.ts); workerd has no process.env.
              bindings: { ...EDGE_TEST_BINDINGS, FEATURE_STUB_URL: inject('featureStubUrl'), FUZZ_RUNS: process.env.FUZZ_RUNS ?? '' },
            },
          })),
        ],
        test: {
          name: 'edge',
          include: ['test/edge/**/*.test.ts', 'test/src/**/*.test.ts'],
          globalSetup: ['test/support/feature-stub-global-setup.ts', 'test/support/msgpack-reference-global-setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        // The bridge, the gateway, the clients and end-to-end runs, in Node against real Redis and workerd.
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/bridge/**/*.test.ts', 'test/node/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
