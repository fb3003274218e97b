// Worker invocations, counted in this isolate by what they were for, so the bench can tell the
// cost of a job (dispatch) from the fixed cost of a bridge (registration polls, heartbeats) and
// leave out its own reads of these figures. Memory only: an isolate's count since it started.

import { createMiddleware } from 'hono/factory';

export const ROUTE_KINDS = ['dispatch', 'registrations', 'heartbeat', 'status', 'usage', 'other'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

const counts = Object.fromEntries(ROUTE_KINDS.map((kind) => [kind, 0])) as Record<RouteKind, number>;

const kindOf = (path: string): RouteKind => {
  if (path === '/internal/dispatch' || path === '/internal/dispatch/batch') return 'dispatch';
  if (path === '/internal/registrations') return 'registrations';
  if (path === '/internal/heartbeat') return 'heartbeat';
  if (path === '/internal/status') return 'status';
  if (path === '/internal/usage') return 'usage';
  return 'other';
};

export const countRequests = createMiddleware(async (c, next) => {
  counts[kindOf(c.req.path)]++;
  await next();
});

export const workerRequests = (): Record<RouteKind, number> => ({ ...counts });
