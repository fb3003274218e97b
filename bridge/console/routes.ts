// The operator console under /ui (ARCHITECTURE "Operations (bridge)"): a login form that trades
// OPS_READ_TOKEN or OPS_TOKEN for a session cookie, bull-board for jobs, our queues page for the
// registrations and the edge's figures. Read sessions see; only act sessions' actions work. Every
// pause — ours or bull-board's button — goes through the registration at the edge.

import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { isValidQueueName, queueNameError } from '../../src/registration.ts';
import type { OpsTokens } from '../config.ts';
import { EdgeRequestError } from '../edge-client.ts';
import type { QueueRunner } from '../queue-runner.ts';
import { scopeOf, type OpsScope } from '../ops/auth.ts';
import type { EdgeFigures } from '../ops/edge-figures.ts';
import { ConflictError, EdgeActionError, ForbiddenError, NotConfiguredError, NotFoundError, UnauthorizedError, ValidationError } from '../ops/errors.ts';
import type { Board } from './board.ts';
import { CONSOLE_BASE } from './layout.ts';
import { loginPage } from './login-page.ts';
import { queuesPage } from './queues-page.ts';
import { SessionStore } from './sessions.ts';

export const SESSION_COOKIE = 'queue_worker_console';
const LOGIN_BODY_LIMIT_BYTES = 4_096;
const REALM = 'queue-worker-console';
const READ_METHODS = new Set(['GET', 'HEAD']);

export interface ConsoleContext {
  tokens: OpsTokens;
  runners: () => QueueRunner[];
  edgeFigures: () => Promise<EdgeFigures>;
  /** Writes `paused` into the queue's registration at the edge. */
  setPaused: (queueName: string, paused: boolean) => Promise<unknown>;
}

type ConsoleEnv = { Variables: { scope: OpsScope } };
export type ConsoleRoutes = Hono<ConsoleEnv>;

const isHttps = (c: Context): boolean => new URL(c.req.url).protocol === 'https:' || c.req.header('X-Forwarded-Proto') === 'https';

/** SameSite=Strict already keeps other sites' forms out; an Origin from elsewhere is refused too. */
const isCrossSite = (c: Context): boolean => {
  const origin = c.req.header('Origin');
  return origin !== undefined && origin !== new URL(c.req.url).origin;
};

export const createConsoleRoutes = (ctx: ConsoleContext): ConsoleRoutes => {
  const sessions = new SessionStore();
  // bull-board (its API, adapters and UI server) is loaded by the first request for it, not by every
  // bridge at start-up: most never serve the console.
  let board: Promise<Board> | undefined;
  const loadBoard = (): Promise<Board> => (board ??= import('./board.ts').then((module) => new module.Board()));
  const configured = (): boolean => Boolean(ctx.tokens.read || ctx.tokens.act);

  const pause = async (name: string, paused: boolean): Promise<void> => {
    if (!isValidQueueName(name)) throw new ValidationError([queueNameError('name')]);
    if (!ctx.runners().some((runner) => runner.name === name)) throw new NotFoundError(`queue '${name}' is not registered (or this bridge has not synced it yet)`);
    try {
      await ctx.setPaused(name, paused);
    } catch (error) {
      if (error instanceof EdgeRequestError && error.status === 404) throw new NotFoundError(`queue '${name}' is not registered at the edge`);
      throw new EdgeActionError(`the edge did not ${paused ? 'pause' : 'resume'} '${name}': ${error instanceof Error ? error.message : String(error)}`, error);
    }
  };

  const requireAct = (c: Context<ConsoleEnv>): void => {
    if (c.get('scope') !== 'act') throw new ForbiddenError('this action needs a session opened with OPS_TOKEN; OPS_READ_TOKEN only reads');
  };

  return new Hono<ConsoleEnv>()
    .get('/login', (c) => {
      if (!configured()) throw new NotConfiguredError('OPS_READ_TOKEN or OPS_TOKEN');
      return c.html(loginPage());
    })
    .post('/login', bodyLimit({ maxSize: LOGIN_BODY_LIMIT_BYTES }), async (c) => {
      if (!configured()) throw new NotConfiguredError('OPS_READ_TOKEN or OPS_TOKEN');
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const token = typeof form.token === 'string' ? form.token : '';
      const scope = token ? await scopeOf(token, ctx.tokens) : undefined;
      if (!scope) return c.html(loginPage('That is not an operations token.'), 401);
      setCookie(c, SESSION_COOKIE, sessions.create(scope), {
        httpOnly: true,
        sameSite: 'Strict',
        secure: isHttps(c),
        path: CONSOLE_BASE,
        maxAge: Math.floor(sessions.ttlMs / 1000),
      });
      return c.redirect(`${CONSOLE_BASE}/queues`, 303);
    })
    // A link in bull-board's menu, so GET too; SameSite=Strict keeps other sites from using it.
    .on(['GET', 'POST'], '/logout', (c) => {
      sessions.delete(getCookie(c, SESSION_COOKIE));
      deleteCookie(c, SESSION_COOKIE, { path: CONSOLE_BASE });
      return c.redirect(`${CONSOLE_BASE}/login`, 303);
    })
    .use('*', async (c, next) => {
      const scope = sessions.scopeOf(getCookie(c, SESSION_COOKIE));
      if (!scope) {
        if (c.req.path.startsWith(`${CONSOLE_BASE}/api/`)) throw new UnauthorizedError(REALM);
        return c.redirect(`${CONSOLE_BASE}/login`, 303);
      }
      if (!READ_METHODS.has(c.req.method) && isCrossSite(c)) throw new ForbiddenError('a console action must come from the console itself');
      c.set('scope', scope);
      await next();
    })
    .get('/queues', async (c) => c.html(queuesPage(ctx.runners(), await ctx.edgeFigures(), c.get('scope'))))
    .post('/queues/:name/:action{pause|resume}', async (c) => {
      requireAct(c);
      await pause(c.req.param('name'), c.req.param('action') === 'pause');
      return c.redirect(`${CONSOLE_BASE}/queues`, 303);
    })
    // bull-board's own pause and resume buttons: through the registration, never a BullMQ-only pause.
    .put('/api/queues/:name/:action{pause|resume}', async (c) => {
      requireAct(c);
      await pause(c.req.param('name'), c.req.param('action') === 'pause');
      return c.json({});
    })
    .put('/api/queues/:action{pause|resume}', async (c) => {
      requireAct(c);
      await Promise.all(ctx.runners().map((runner) => pause(runner.name, c.req.param('action') === 'pause')));
      return c.json({});
    })
    // The edge's coordinator owns concurrency and pacing; a BullMQ-side limit would fight it.
    .put('/api/queues/:name/:setting{concurrency|rate-limit}', () => {
      throw new ConflictError('concurrency and rate limits are set in the queue\'s registration at the edge (queue-worker queues set)');
    })
    .all('*', async (c) => {
      if (!READ_METHODS.has(c.req.method)) requireAct(c);
      return (await loadBoard()).for(c.get('scope'), ctx.runners()).fetch(c.req.raw);
    });
};
