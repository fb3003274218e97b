// `npm run build:sdk`: the installable @lilith/queue in dist/sdk (then `npm pack dist/sdk`). ESM +
// .d.ts from src/ (scripts/tsconfig.sdk.json), and a package.json whose dependencies are exactly the
// packages the built code imports: the Node client's bullmq, ioredis and zod as optional peers, so a
// Workers feature that imports only the handler or the edge client installs nothing else.

import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_VERSIONS } from '../src/protocol-versions.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SDK_DIR = join(ROOT, 'dist', 'sdk');
const PACKAGE_NAME = '@lilith/queue';
/** Imported only by the Node producer client (`.` and `./client`); its users install them. */
const NODE_PEERS = new Set(['bullmq', 'ioredis', 'zod']);
const ENTRIES = { '.': 'client', './client': 'client', './edge-client': 'edge-client', './handler': 'handler' } as const;
const BARE_IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+'([^./][^']*)'/gm;

/** The package's README: the root README's section for feature teams, which documents these entries. */
const FEATURE_TEAMS_SECTION = /^## For feature teams\n[\s\S]*?(?=^## )/m;

const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

const builtFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? builtFiles(join(dir, entry.name)) : entry.name.endsWith('.js') ? [join(dir, entry.name)] : []));

/** `bullmq`, `@upstash/redis/cloudflare` → `@upstash/redis`. */
const packageOf = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

const importedPackages = (): string[] => {
  const names = new Set<string>();
  for (const file of builtFiles(SDK_DIR)) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(BARE_IMPORT)) names.add(packageOf(specifier));
  }
  return [...names].sort();
};

const versionOf = (name: string): string => {
  const version = root.dependencies[name];
  if (!version) throw new Error(`the SDK imports ${name}, which is not a dependency in package.json`);
  return version;
};

/** A peer the user installs: the version tested here or a later one of the same major. */
const peerRange = (name: string): string => {
  const version = versionOf(name);
  return `>=${version} <${Number(version.split('.')[0]) + 1}`;
};

export const buildSdk = (): string => {
  rmSync(SDK_DIR, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'scripts', 'tsconfig.sdk.json')], { stdio: 'inherit' });
  const imported = importedPackages();
  const peers = imported.filter((name) => NODE_PEERS.has(name));
  const manifest = {
    name: PACKAGE_NAME,
    version: root.version,
    description: 'Queue Worker for feature teams: the Node producer client, the Workers producer and the feature-side job handler.',
    type: 'module',
    sideEffects: false,
    // The built code loads on Node 20 (Web Crypto, fetch and Request are global there); tested on 24.
    engines: { node: '>=20' },
    exports: {
      ...Object.fromEntries(Object.entries(ENTRIES).map(([entry, dir]) => [entry, { types: `./${dir}/index.d.ts`, default: `./${dir}/index.js` }])),
      './package.json': './package.json',
    },
    // The wire protocol this build speaks (also exported as PROTOCOL_VERSIONS from every entry).
    queueWorker: { protocols: PROTOCOL_VERSIONS },
    dependencies: Object.fromEntries(imported.filter((name) => !NODE_PEERS.has(name)).map((name) => [name, versionOf(name)])),
    peerDependencies: Object.fromEntries(peers.map((name) => [name, peerRange(name)])),
    peerDependenciesMeta: Object.fromEntries(peers.map((name) => [name, { optional: true }])),
  };
  writeFileSync(join(SDK_DIR, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const section = FEATURE_TEAMS_SECTION.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  if (!section) throw new Error('README.md has no "## For feature teams" section for the package README');
  writeFileSync(join(SDK_DIR, 'README.md'), `# ${PACKAGE_NAME}\n\n${manifest.description}\n\n${section[0]}`);
  return SDK_DIR;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`built ${PACKAGE_NAME} in ${buildSdk()}\n`);
