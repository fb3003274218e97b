// A long-running child process (wrangler dev, redis-server, a bridge) in its own process group, so
// stopping it also stops whatever it started (wrangler's workerd) and a terminal's Ctrl-C reaches
// only the parent, which then stops children in order. Used by tests and by `npm start`.

import { spawn, type ChildProcess } from 'node:child_process';

const STOP_DEADLINE_MS = 10_000;
const OUTPUT_LINES_KEPT = 60;
const POLL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildServiceOptions {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each line of stdout and stderr as it arrives. */
  onLine?: (line: string) => void;
}

export class ChildService {
  readonly exited: Promise<Exit>;
  /** Rejects if the command cannot be started at all (e.g. not installed). */
  readonly spawned: Promise<void>;
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];

  constructor({ command, args, cwd, env, onLine }: ChildServiceOptions) {
    this.#child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        this.#lines.push(line);
        onLine?.(line);
      }
      this.#lines.splice(0, Math.max(0, this.#lines.length - OUTPUT_LINES_KEPT));
    };
    this.#child.stdout?.on('data', keep);
    this.#child.stderr?.on('data', keep);
    this.spawned = new Promise((resolve, reject) => {
      this.#child.once('spawn', resolve);
      this.#child.once('error', reject);
    });
    this.exited = new Promise((resolve) => this.#child.once('close', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null && this.#child.pid !== undefined;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** The last lines it printed, for error messages. */
  get output(): string {
    return this.#lines.join('\n');
  }

  /** Resolves once `url` answers HTTP at all; rejects if the process exits first or time runs out. */
  async waitForHttp(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`exited before ${url} answered:\n${this.output}`);
      try {
        await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${this.output}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
  }

  /** Sends `signal` to the child only (not its group): tests aim signals at the process itself. */
  kill(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }

  /** Signals the whole group, escalating to SIGKILL after a deadline; resolves on exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', deadlineMs = STOP_DEADLINE_MS): Promise<Exit> {
    if (this.running) {
      this.#signalGroup(signal);
      const timer = setTimeout(() => this.#signalGroup('SIGKILL'), deadlineMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** Synchronous last resort (process 'exit' handlers): SIGKILL the group if still running. */
  killNow(): void {
    if (this.running) this.#signalGroup('SIGKILL');
  }

  #signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.#child.pid!, signal);
    } catch {
      // Already gone.
    }
  }
}
