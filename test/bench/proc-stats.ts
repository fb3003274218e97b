// Resident memory and CPU time of a process, read from /proc (Linux), for benchmark columns.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcSample {
  rssBytes: number;
  cpuMs: number;
}

/** RSS and user+system CPU of `pid` and, optionally, of its descendants (wrangler → workerd). */
export const sampleProcess = (pid: number, { withChildren = false } = {}): ProcSample => {
  const pids = withChildren ? [pid, ...descendants(pid)] : [pid];
  let rssBytes = 0;
  let cpuMs = 0;
  for (const id of pids) {
    try {
      const status = readFileSync(`/proc/${id}/status`, 'utf8');
      rssBytes += Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0) * 1024;
      // Fields after the command name (which may contain spaces) start at index 2 = state.
      const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuMs += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return { rssBytes, cpuMs };
};

/** `pid`'s descendants with their command names (wrangler → workerd, esbuild). */
export const processTree = (pid: number): { pid: number; command: string }[] =>
  descendants(pid).map((child) => {
    try {
      return { pid: child, command: readFileSync(`/proc/${child}/comm`, 'utf8').trim() };
    } catch {
      return { pid: child, command: '' };
    }
  });

const descendants = (pid: number): number[] => {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
};

/** Tracks the peak RSS of a process while a run goes on. */
export class PeakRss {
  #peak = 0;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(pid: number, intervalMs = 200) {
    const sample = () => {
      this.#peak = Math.max(this.#peak, sampleProcess(pid).rssBytes);
    };
    sample();
    this.#timer = setInterval(sample, intervalMs);
    this.#timer.unref();
  }

  stop(): number {
    clearInterval(this.#timer);
    return this.#peak;
  }
}

/** Open TCP connections from `pid` to a local port (e.g. Redis), from its fds and /proc/net/tcp{,6}. */
export const connectionsTo = (pid: number, remotePort: number): number => {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = target.match(/^socket:\[(\d+)\]$/)?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // fd closed while listing.
      }
    }
  } catch {
    return 0;
  }
  const portHex = remotePort.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // rem_address is field 2, state 3 (01 = ESTABLISHED), inode 9.
      if (fields.length > 9 && fields[2].endsWith(`:${portHex}`) && fields[3] === '01' && inodes.has(fields[9])) count++;
    }
  }
  return count;
};
