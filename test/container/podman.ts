// The podman CLI as an operator uses it, for the container test: each call's exit code and output,
// never thrown, so a test can assert on a refusal as well as on a success.

import { execFile } from 'node:child_process';

/** What `npm run container:test` builds (scripts/container-build.sh prints the same name). */
export const IMAGE = process.env.QW_IMAGE ?? 'localhost/queue-worker-bridge:local';
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
/**
 * What `podman run` needs on machines like CI's (scripts/container-build.sh says why and passes the
 * same to the build): runc instead of crun, and limits the sandbox lets the runtime set.
 */
export const RUN_FLAGS = ['--runtime', 'runc', '--ulimit', 'nofile=8192:8192', '--ulimit', 'nproc=4096:4096', '--network', 'host'];

export interface PodmanResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `podman ...args`; `env` adds variables (values handed over by name with `--env NAME`, so they stay off the command line). */
export const podman = (args: string[], env: Record<string, string> = {}): Promise<PodmanResult> =>
  new Promise((resolve, reject) => {
    execFile('podman', args, { env: { ...process.env, ...env }, maxBuffer: MAX_OUTPUT_BYTES }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(new Error(`podman ${args[0]} could not run: ${error.message}`, { cause: error }));
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });

/** `podman ...args` that must succeed; its trimmed stdout. */
export const podmanOk = async (args: string[], env: Record<string, string> = {}): Promise<string> => {
  const result = await podman(args, env);
  if (result.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout.trim();
};

/** `--env NAME` for each variable: podman copies the value from its own environment. */
export const envByName = (env: Record<string, string>): string[] => Object.keys(env).flatMap((name) => ['--env', name]);
