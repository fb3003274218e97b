// Admin auth, or the bridge's signature (it holds no admin token) for the read-only routes its
// ops pages and the bench use.

import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { HEADER_SIGNATURE } from '../../src/protocol.ts';
import type { AppEnv } from '../env.ts';
import { adminAuth } from './admin-auth.ts';
import { bridgeAuth } from './bridge-auth.ts';

// Admin auth reads only bindings; AppEnv's extra per-request variables are no concern of it.
const admin = adminAuth as unknown as MiddlewareHandler<AppEnv>;

export const adminOrBridge = createMiddleware<AppEnv>(async (c, next) =>
  c.req.header('Authorization') === undefined && c.req.header(HEADER_SIGNATURE) !== undefined ? bridgeAuth(0)(c, next) : admin(c, next),
);
