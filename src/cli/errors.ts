// The CLI's exit codes and the errors that carry them. Scripts branch on the code, so each one
// means exactly one thing; every error is printed as one line on stderr.

export const EXIT_OK = 0;
/** The tier answered but refused or failed the request (4xx/5xx), or a check came out bad. */
export const EXIT_FAILED = 1;
/** The command line or a local input (flag, setting, file) is wrong; nothing was sent. */
export const EXIT_USAGE = 2;
/** A tier could not be reached (connection refused, DNS, timeout). */
export const EXIT_UNREACHABLE = 3;
/** Someone else changed it first (412 on If-Match, 409 for a job in another state); nothing was overwritten. */
export const EXIT_CONFLICT = 4;

export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, EXIT_USAGE, options);
    this.name = 'UsageError';
  }
}

export class TierUnreachableError extends CliError {
  constructor(tier: string, origin: string, cause: unknown) {
    super(`${tier} unreachable at ${origin}: ${reasonOf(cause)}`, EXIT_UNREACHABLE, { cause });
    this.name = 'TierUnreachableError';
  }
}

/** A non-2xx answer; `code` is the tier's error code (`{ error: { code } }`). */
export class RequestFailedError extends CliError {
  readonly status: number;
  readonly code: string;

  constructor(tier: string, status: number, code: string, message: string) {
    super(`${tier} answered ${status} ${code}: ${message}`, status === 409 || status === 412 ? EXIT_CONFLICT : EXIT_FAILED);
    this.name = 'RequestFailedError';
    this.status = status;
    this.code = code;
  }
}

/** fetch wraps the socket error as `cause`; its code (ECONNREFUSED) says more than "fetch failed". */
const reasonOf = (error: unknown): string => {
  const cause = error instanceof Error ? (error.cause ?? error) : error;
  if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') return cause.code;
  if (cause instanceof Error) return cause.name === 'TimeoutError' ? 'timed out' : cause.message;
  return String(cause);
};
