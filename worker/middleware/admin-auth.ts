// `Authorization: Bearer <secret>` (ADMIN_TOKEN, PRODUCER_TOKEN), compared in constant time.

import { createMiddleware } from 'hono/factory';
import { timingSafeEqual } from 'hono/utils/buffer';
import { ApiError, UnauthorizedError } from '../errors.ts';

const BEARER_PATTERN = /^Bearer\s+(\S+)\s*$/i;

export const bearerToken = (header: string | undefined): string | undefined => header?.match(BEARER_PATTERN)?.[1];

/** Checks a Bearer token against the secret named `secretName`; 503 if the secret is not set. */
export const requireBearer = <Name extends string>(secretName: Name, realm: string) =>
  createMiddleware<{ Bindings: { [K in Name]?: string } }>(async (c, next) => {
    const expected = c.env[secretName];
    if (!expected) throw new ApiError(503, 'not_configured', `the edge has no ${secretName} secret set`);
    const token = bearerToken(c.req.header('Authorization'));
    if (!token || !(await timingSafeEqual(token, expected))) {
      throw new UnauthorizedError('missing or invalid bearer token', { scheme: `Bearer realm="${realm}"` });
    }
    await next();
  });

export const adminAuth = requireBearer('ADMIN_TOKEN', 'admin');
