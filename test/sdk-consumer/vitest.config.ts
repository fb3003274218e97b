import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: Object.fromEntries(['SIGNUP_QUEUE_KEY', 'QUEUE_EDGE_URL', 'PRODUCER_TOKEN', 'RELAY_URL'].map((name) => [name, required(name)])),
      },
    }),
  ],
  test: { include: ['worker/**/*.test.ts'], testTimeout: 30_000 },
});
