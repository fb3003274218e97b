// The `queue-worker` bin as a user runs it: a child process of the file package.json's `bin` names,
// with exactly the environment given (PATH and HOME aside), so no setting leaks in from the shell.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { bin: Record<string, string> }).bin['queue-worker'];
const RUN_DEADLINE_MS = 30_000;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export const runCli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: RUN_DEADLINE_MS },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : undefined;
        if (code === undefined) reject(error ?? new Error('queue-worker did not exit'));
        else resolve({ code, stdout, stderr });
      },
    );
  });

/** stdout parsed as JSON (the --json contract). */
export const jsonOf = <T = Record<string, any>>(run: CliRun): T => JSON.parse(run.stdout) as T;
