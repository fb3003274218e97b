// npm run build:bridge — the bridge as JavaScript in dist/bridge/, main.mjs plus the chunks it imports
// on first use (chunks/), for the container: Node then neither strips types nor resolves hundreds of
// modules at start-up (less memory and CPU). Every dependency is inside, except @bull-board/ui:
// bull-board finds its page templates and static files on disk
// (require.resolve('@bull-board/ui/package.json')), so the image ships that package beside the
// bundle (Dockerfile).
//
// Memory, with 38 idle queues: code split so that what an idle bridge never runs (bull-board, the
// OpenAPI generator, tracing) is not even read until first asked for; whitespace and comments
// dropped and the output kept ASCII, because V8 holds a script's source in memory for as long as
// it runs, and one non-ASCII character (a "—" in a dependency's comment) makes it hold the whole
// file as UTF-16, twice its size.

import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = 'dist/bridge';
const NON_ASCII = /[^\x00-\x7f]/;

// Chunk names carry a hash: an earlier build's would otherwise stay beside the new ones.
rmSync(`${ROOT}/${OUT_DIR}`, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { main: 'bridge/main.ts' },
  outdir: OUT_DIR,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Not `minify`: identifiers stay as written, so stack traces in the logs still read.
  minifyWhitespace: true,
  charset: 'ascii',
  // zod-to-openapi is imported on first use (src/openapi/serve-docs.ts), and a split-out CommonJS
  // module comes back from import() as a default export only: its ES module build has the names.
  alias: { '@asteasolutions/zod-to-openapi': '@asteasolutions/zod-to-openapi/dist/index.mjs' },
  // msgpackr's optional native speed-up: loaded in a try/catch, absent from the image.
  external: ['msgpackr-extract'],
  // CommonJS dependencies call require (bull-board inside an eval), which an ES module lacks.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

for (const file of Object.keys(result.metafile.outputs)) {
  const line = readFileSync(`${ROOT}/${file}`, 'utf8').split('\n').findIndex((text) => NON_ASCII.test(text));
  if (line >= 0) throw new Error(`${file}:${line + 1} is not ASCII: V8 would hold the whole file as UTF-16; escape the character in its source`);
}
