import { defineConfig } from 'vitest/config';

// The bridge image under podman (npm run container:test builds it first). Not part of `npm test`:
// it needs root, podman and a built image, and .ci/run runs it as its own step.
export default defineConfig({
  test: {
    name: 'container',
    environment: 'node',
    include: ['test/container/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
