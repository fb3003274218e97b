// npm run build:bridge — the bridge as one JavaScript file, dist/bridge/main.mjs, for the container:
// Node then neither strips types nor resolves hundreds of modules at start-up (less memory and CPU).
// Every dependency is inside, except @bull-board/ui: bull-board finds its page templates and
// static files on disk (require.resolve('@bull-board/ui/package.json')), so the image ships that
// package beside the bundle (Dockerfile).

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BRIDGE_BUNDLE = 'dist/bridge/main.mjs';

await build({
  absWorkingDir: ROOT,
  entryPoints: ['bridge/main.ts'],
  outfile: BRIDGE_BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // msgpackr's optional native speed-up: loaded in a try/catch, absent from the image.
  external: ['msgpackr-extract'],
  // CommonJS dependencies call require (bull-board inside an eval), which an ES module lacks.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
