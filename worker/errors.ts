// The edge's error vocabulary: every code it answers is named in ERROR_CODES and has a class here,
// so no route spells a code inline. app.onError turns each into `{ error: { code, message, details? } }`
// (Hono's HTTPException + one onError is the model).

import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { MIN_SECRET_LENGTH, type ErrorBody, type FieldError } from '../src/protocol.ts';

export const ERROR_CODES = [
  'invalid_request',
  'invalid_json',
  'invalid_encoding',
  'unauthorized',
  'not_found',
  'replayed',
  'conflict',
  'precondition_failed',
  'payload_too_large',
  'unsupported_media_type',
  'not_configured',
  'store_unavailable',
  'redis_unavailable',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export class ValidationError extends ApiError {
  constructor(errors: FieldError[], options: { cause?: unknown } = {}) {
    const message = errors.map((e) => `${e.field} ${e.message}`).join('; ');
    super(400, 'invalid_request', message, { ...options, details: errors });
    this.name = 'ValidationError';
  }
}

export class InvalidJsonError extends ApiError {
  constructor(message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(400, 'invalid_json', message, options);
    this.name = 'InvalidJsonError';
  }
}

/** Read leniently, invalid bytes would be stored as U+FFFD: the job would not be the one sent. */
export class InvalidEncodingError extends ApiError {
  constructor(options: { cause?: unknown } = {}) {
    super(400, 'invalid_encoding', 'request body is not valid UTF-8', options);
    this.name = 'InvalidEncodingError';
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message: string, options: { cause?: unknown; scheme?: string } = {}) {
    super(401, 'unauthorized', message, {
      cause: options.cause,
      headers: options.scheme ? { 'WWW-Authenticate': options.scheme } : undefined,
    });
    this.name = 'UnauthorizedError';
  }
}

export class NotFoundError extends ApiError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(404, 'not_found', message, options);
    this.name = 'NotFoundError';
  }
}

/** A signed request the edge has already accepted once: a replay, refused before anything runs. */
export class ReplayedError extends ApiError {
  constructor() {
    super(409, 'replayed', 'this signed request was already accepted once; every request must be signed anew');
    this.name = 'ReplayedError';
  }
}

/** A request that cannot apply to the resource's state now (a late or repeated completion callback). */
export class ConflictError extends ApiError {
  constructor(message: string) {
    super(409, 'conflict', message);
    this.name = 'ConflictError';
  }
}

export class PreconditionFailedError extends ApiError {
  constructor(message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(412, 'precondition_failed', message, options);
    this.name = 'PreconditionFailedError';
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(limitBytes: number, message = `request body must be at most ${limitBytes} bytes`) {
    super(413, 'payload_too_large', message, { details: { limitBytes } });
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor() {
    super(415, 'unsupported_media_type', 'request body must be JSON (Content-Type: application/json)');
    this.name = 'UnsupportedMediaTypeError';
  }
}

export type SecretProblem = 'missing' | 'too_short';

/** A secret or var the route needs is missing or unusable: 503 naming it, never echoing its value. */
export class NotConfiguredError extends ApiError {
  constructor(name: string, problem: SecretProblem) {
    const message =
      problem === 'missing' ? `the edge has no ${name} secret set` : `the edge's ${name} secret is shorter than ${MIN_SECRET_LENGTH} characters`;
    super(503, 'not_configured', message, { details: { name, problem } });
    this.name = 'NotConfiguredError';
  }
}

export class InvalidVarsError extends ApiError {
  constructor(errors: FieldError[]) {
    super(503, 'not_configured', `the edge's vars are invalid: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, { details: errors });
    this.name = 'InvalidVarsError';
  }
}

export class StoreUnavailableError extends ApiError {
  constructor() {
    super(503, 'store_unavailable', 'the registration store (KV) is unavailable; nothing changed, retry');
    this.name = 'StoreUnavailableError';
  }
}

/** A Redis failure that says what went wrong without echoing the command (job data). */
export class RedisUnavailableError extends ApiError {
  constructor(cause: unknown) {
    const message = cause instanceof Error ? cause.message.split(', command was:')[0] : String(cause);
    super(503, 'redis_unavailable', `Redis did not accept the request: ${message}`, { cause });
    this.name = 'RedisUnavailableError';
  }
}

/** Anything unexpected; its detail goes to the log, not to the caller. */
export class InternalError extends ApiError {
  constructor(cause: unknown) {
    super(500, 'internal_error', 'the edge failed to handle this request', { cause });
    this.name = 'InternalError';
  }
}
