// How `npm start`, the tests and the bench start the local edge (scripts/local-edge-main.ts): the
// same command shape as wranglerDev, with the same `--var KEY:VALUE` flags (wranglerVars).

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What scripts/local-edge-build.ts hands scripts/local-edge-main.ts, in <outdir>/build.json. */
export const BUILD_FILE = 'build.json';
export interface LocalEdgeBuild {
  name: string;
  /** The bundle's path; it is the only module. */
  bundle: string;
  workerOptions: Record<string, unknown>;
}

export const localEdge = (args: string[]): { command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv } => ({
  command: process.execPath,
  args: [join(ROOT, 'scripts', 'local-edge-main.ts'), ...args],
  cwd: ROOT,
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
});
