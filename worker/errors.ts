// Errors that become JSON answers `{ error: { code, message, details? } }` in app.onError.

import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FieldError } from '../src/protocol.ts';

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    code: string,
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
}

export class ValidationError extends ApiError {
  constructor(errors: FieldError[], options: { cause?: unknown } = {}) {
    const message = errors.map((e) => `${e.field} ${e.message}`).join('; ');
    super(400, 'invalid_request', message, { ...options, details: errors });
    this.name = 'ValidationError';
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

export class PreconditionFailedError extends ApiError {
  constructor(message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(412, 'precondition_failed', message, options);
    this.name = 'PreconditionFailedError';
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `request body must be at most ${limitBytes} bytes`, { details: { limitBytes } });
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor() {
    super(415, 'unsupported_media_type', "request body must be JSON (Content-Type: application/json)");
    this.name = 'UnsupportedMediaTypeError';
  }
}
