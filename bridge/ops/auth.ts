// Bearer auth for the operations routes (ARCHITECTURE "Operations"): OPS_READ_TOKEN reads,
// OPS_TOKEN reads and acts. Compared in constant time; a scope with no token set answers 503.

import { createMiddleware } from 'hono/factory';
import { timingSafeEqual } from 'hono/utils/buffer';
import type { OpsTokens } from '../config.ts';
import { ForbiddenError, NotConfiguredError, UnauthorizedError } from './errors.ts';

export type OpsScope = 'read' | 'act';

/** What requireOps leaves for the route: the scope the request's token carries. */
export type OpsEnv = { Variables: { opsScope: OpsScope } };

const BEARER_PATTERN = /^Bearer\s+(\S+)\s*$/i;
const REALM = 'queue-worker-ops';

const matches = async (token: string, expected: string | undefined): Promise<boolean> => expected !== undefined && timingSafeEqual(token, expected);

/** The scope `token` carries, or undefined when it is neither token. */
export const scopeOf = async (token: string, tokens: OpsTokens): Promise<OpsScope | undefined> => {
  if (await matches(token, tokens.act)) return 'act';
  if (await matches(token, tokens.read)) return 'read';
  return undefined;
};

/** Requires a token of at least `scope`: the act token also reads. */
export const requireOps = (tokens: OpsTokens, scope: OpsScope) =>
  createMiddleware<OpsEnv>(async (c, next) => {
    if (scope === 'act' && !tokens.act) throw new NotConfiguredError('OPS_TOKEN');
    if (!tokens.read && !tokens.act) throw new NotConfiguredError('OPS_READ_TOKEN or OPS_TOKEN');
    const token = c.req.header('Authorization')?.match(BEARER_PATTERN)?.[1];
    const granted = token === undefined ? undefined : await scopeOf(token, tokens);
    if (!granted) throw new UnauthorizedError(REALM);
    if (scope === 'act' && granted !== 'act') throw new ForbiddenError('this action needs OPS_TOKEN; OPS_READ_TOKEN only reads');
    c.set('opsScope', granted);
    await next();
  });
