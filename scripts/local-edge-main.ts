// The edge (or any Worker with a wrangler config) on this machine without `wrangler dev`: the
// bundle `wrangler deploy --dry-run` builds, run by Miniflare in one workerd with the bindings,
// Durable Objects, KV and compatibility date/flags wrangler derives from the same config
// (scripts/local-edge-build.ts). Left out on purpose, because they cost time and memory per
// request: wrangler dev's proxy Worker, its inspector connection (console log streaming), request
// logs, the dev registry and Miniflare's entry Worker. Started as a child process by
// scripts/local-edge.ts (npm start, tests, bench); a signal ends it, and Miniflare's exit hook takes
// workerd along.
//
//   node scripts/local-edge-main.ts [--config wrangler.toml] --port 8787 [--persist-to dir] [--build-dir dir] [--var KEY:VALUE]…
//
// --build-dir keeps the build in `dir` and reuses it when `dir` holds one already: a restart of the
// same edge (the tests' and the soak's) then takes ~3 s instead of ~7.5 s, most of it wrangler's.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare, type Json } from 'miniflare';
import { BUILD_FILE, type LocalEdgeBuild } from './local-edge.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD = join(ROOT, 'scripts', 'local-edge-build.ts');
const HOST = '127.0.0.1';
/** Built bundles are written here, one directory per launch, removed once Miniflare has read them. */
const BUILD_PREFIX = join(tmpdir(), 'qw-edge-build-');
/** wrangler dev's layout under --persist-to, so `npm run dev:edge` and this share local state. */
const PERSIST_SUBDIR = 'v3';
/**
 * V8 flags for every isolate in workerd, which Miniflare reads from this variable when it writes
 * workerd's config. GC sizing only (no change to what code does): workerd sets no heap limits
 * locally, so an isolate's old generation grew to tens of MB of garbage before its first full GC,
 * and that garbage holds the native objects behind it (requests, responses, bodies). Worst was
 * Miniflare's outbound hop (a JS Worker every `fetch()` passes through, absent on Cloudflare): it
 * allocates little, so it went 20,000 jobs without a full GC. workerd's RSS went 99 → 380 MB over
 * 20k jobs without these, 98 → 154 MB with them (BENCHMARKS.md, "Local runtime").
 */
const V8_FLAGS_VARIABLE = 'MINIFLARE_WORKERD_V8_FLAGS';
const WORKERD_V8_FLAGS = ['--memory-saver-mode', '--max-semi-space-size=1', '--initial-old-space-size=4'];

class LaunchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LaunchError';
  }
}

const { values: args } = parseArgs({
  options: {
    config: { type: 'string', default: join(ROOT, 'wrangler.toml') },
    port: { type: 'string' },
    'persist-to': { type: 'string' },
    'build-dir': { type: 'string' },
    var: { type: 'string', multiple: true, default: [] },
  },
});

const parseVars = (pairs: string[]): Record<string, string> =>
  Object.fromEntries(
    pairs.map((pair) => {
      const colon = pair.indexOf(':');
      if (colon < 1) throw new LaunchError(`--var expects KEY:VALUE, got '${pair.slice(0, 40)}'`);
      return [pair.slice(0, colon), pair.slice(colon + 1)];
    }),
  );

const readBuild = (dir: string): LocalEdgeBuild => JSON.parse(readFileSync(join(dir, BUILD_FILE), 'utf8')) as LocalEdgeBuild;

/** The build `dir` holds from an earlier launch, if any. */
const earlierBuild = (dir: string): LocalEdgeBuild | undefined => (existsSync(join(dir, BUILD_FILE)) ? readBuild(dir) : undefined);

const build = async (configPath: string, outDir: string): Promise<LocalEdgeBuild> => {
  try {
    await promisify(execFile)(process.execPath, [BUILD, '--config', configPath, '--outdir', outDir], { cwd: ROOT });
    return readBuild(outDir);
  } catch (error) {
    throw new LaunchError(((error as { stderr?: string }).stderr ?? '').trim() || `building ${configPath} failed`, { cause: error });
  }
};

/** Miniflare serving the built bundle with the config's bindings plus `vars`. */
const serve = ({ name, bundle, workerOptions }: LocalEdgeBuild, port: number, vars: Record<string, string>): Miniflare =>
  new Miniflare(
    convertV4MiniflareOptions({
      ...workerOptions,
      name,
      modules: [{ type: 'ESModule', path: bundle }],
      modulesRoot: dirname(bundle),
      bindings: { ...(workerOptions.bindings as Record<string, Json>), ...vars },
      // Requests reach the Worker on its own socket, as on Cloudflare, not through Miniflare's entry
      // Worker (pretty error pages, Request.cf injection): that hop cost ~0.35 ms of CPU per request.
      // The entry socket Miniflare insists on gets a port nobody uses.
      host: HOST,
      port: 0,
      unsafeDirectSockets: [{ host: HOST, port }],
      log: new Log(LogLevel.WARN),
      logRequests: false,
      // No Request.cf download, no telemetry: nothing leaves the machine.
      cf: false,
      telemetry: { enabled: false },
      ...(args['persist-to'] ? { resourcePersistencePath: join(resolve(args['persist-to']), PERSIST_SUBDIR) } : {}),
    }),
  );

const keptDir = args['build-dir'] && resolve(args['build-dir']);
const outDir = keptDir || mkdtempSync(BUILD_PREFIX);
try {
  if (!args.port) throw new LaunchError('--port is required');
  // Flags given in the environment come last, so they win.
  process.env[V8_FLAGS_VARIABLE] = [...WORKERD_V8_FLAGS, process.env[V8_FLAGS_VARIABLE] ?? ''].join(' ').trim();
  const built = (keptDir && earlierBuild(keptDir)) || (await build(resolve(args.config), outDir));
  const miniflare = serve(built, Number(args.port), parseVars(args.var));
  await miniflare.ready;
  process.stdout.write(`edge ready on http://${HOST}:${args.port}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof LaunchError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
} finally {
  // Miniflare has read the bundle into workerd's config by now.
  if (!keptDir) rmSync(outDir, { recursive: true, force: true });
}
