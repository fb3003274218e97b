// `Authorization: Bearer <secret>` (ADMIN_TOKEN, PRODUCER_TOKEN), compared in constant time.

import { createMiddleware } from 'hono/factory';
import { timingSafeEqual } from 'hono/utils/buffer';
import { bearerSecret, type BearerSecretName, type EdgeVars } from '../config.ts';
import { UnauthorizedError } from '../errors.ts';

const BEARER_PATTERN = /^Bearer\s+(\S+)\s*$/i;

export const bearerToken = (header: string | undefined): string | undefined => header?.match(BEARER_PATTERN)?.[1];

/** Checks a Bearer token against the secret named `secretName`; 503 if that secret is unusable. */
export const requireBearer = (secretName: BearerSecretName, realm: string) =>
  createMiddleware<{ Bindings: EdgeVars }>(async (c, next) => {
    const expected = bearerSecret(c.env, secretName);
    const token = bearerToken(c.req.header('Authorization'));
    if (!token || !(await timingSafeEqual(token, expected))) {
      throw new UnauthorizedError('missing or invalid bearer token', { scheme: `Bearer realm="${realm}"` });
    }
    await next();
  });

export const adminAuth = requireBearer('ADMIN_TOKEN', 'admin');
