// How `wrangler dev` is started by `npm start` and the tests: local only, no telemetry, and no
// Request.cf download — nothing reaches the network.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const wranglerDev = (args: string[]): { command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv } => ({
  command: process.execPath,
  args: [join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'dev', '--ip', '127.0.0.1', '--show-interactive-dev-session=false', ...args],
  cwd: ROOT,
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
});

/** `--var KEY:VALUE` pairs for wrangler dev. */
export const wranglerVars = (vars: Record<string, string>): string[] => Object.entries(vars).flatMap(([key, value]) => ['--var', `${key}:${value}`]);
