// Errors of the bridge's HTTP routes, answered in the edge's JSON shape
// `{ error: { code, message, details? } }` by the one onError in http-app.ts.

import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FieldError } from '../../src/protocol.ts';

export class HttpError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(status: ContentfulStatusCode, code: string, message: string, options: { cause?: unknown; details?: unknown; headers?: Record<string, string> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }
}

export class ValidationError extends HttpError {
  constructor(errors: FieldError[]) {
    super(400, 'invalid_request', errors.map((e) => `${e.field} ${e.message}`).join('; '), { details: errors });
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends HttpError {
  constructor(realm: string) {
    super(401, 'unauthorized', 'missing or invalid bearer token', { headers: { 'WWW-Authenticate': `Bearer realm="${realm}"` } });
    this.name = 'UnauthorizedError';
  }
}

/** A valid token whose scope does not allow the action (the read token on an acting route). */
export class ForbiddenError extends HttpError {
  constructor(message: string) {
    super(403, 'forbidden', message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, 'not_found', message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends HttpError {
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, { details });
    this.name = 'ConflictError';
  }
}

/** A route whose token (or other setting) the bridge was started without; names it, never a value. */
export class NotConfiguredError extends HttpError {
  constructor(setting: string) {
    super(503, 'not_configured', `the bridge has no ${setting} set`, { details: { name: setting } });
    this.name = 'NotConfiguredError';
  }
}

/** The edge refused or did not answer an action relayed through it (a pause); nothing changed here. */
export class EdgeActionError extends HttpError {
  constructor(message: string, cause: unknown) {
    super(502, 'edge_error', message, { cause });
    this.name = 'EdgeActionError';
  }
}
