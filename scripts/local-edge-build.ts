// Builds a Worker for scripts/local-edge-main.ts and writes what Miniflare needs to
// <outdir>/build.json (not stdout: wrangler prints notices there): the bundle `wrangler deploy
// --dry-run` writes (exactly what deploy would upload) and the Worker options wrangler derives from
// the same config (bindings, Durable Objects, KV, compatibility date/flags). A process of its own,
// so wrangler's modules (~120 MB resident) do not stay in the launcher as long as the edge runs.
//
//   node scripts/local-edge-build.ts --config wrangler.toml --outdir dir

import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';
import { BUILD_FILE, type LocalEdgeBuild } from './local-edge.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const BUILD_ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };

const { values: args } = parseArgs({ options: { config: { type: 'string' }, outdir: { type: 'string' } } });
if (!args.config || !args.outdir) throw new TypeError('usage: local-edge-build.ts --config <wrangler config> --outdir <dir>');
const configPath = resolve(args.config);

try {
  await promisify(execFile)(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--config', configPath, '--outdir', args.outdir], { cwd: ROOT, env: BUILD_ENV });
} catch (error) {
  const output = (error as { stdout?: string; stderr?: string }).stderr || (error as { stdout?: string }).stdout || '';
  process.stderr.write(`building ${configPath} failed:\n${output}\n`);
  process.exit(1);
}
// Named after the config's main (index.js for the edge); the directory holds only it and its map.
const bundle = readdirSync(args.outdir).find((file) => file.endsWith('.js'));
if (!bundle) throw new Error(`building ${configPath} wrote no bundle to ${args.outdir}`);
const config = unstable_readConfig({ config: configPath });
// Rules for finding modules apply to wrangler's own bundling, done already: the bundle is one module.
const { modulesRules: _bundled, ...workerOptions } = unstable_getMiniflareWorkerOptions(config).workerOptions;
const build: LocalEdgeBuild = { name: config.name ?? 'worker', bundle: join(args.outdir, bundle), workerOptions };
writeFileSync(join(args.outdir, BUILD_FILE), JSON.stringify(build));
