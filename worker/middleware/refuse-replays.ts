// Dispatches whose exact signature was already accepted are refused (409 `replayed`): first by this
// isolate's memory, which costs nothing, then by the queue's coordinator, which every isolate asks
// anyway (the route passes the signature in its acquire call). Only for dispatches: the idempotent
// registrations poll may be signed identically by two replicas in the same second.

import { createMiddleware } from 'hono/factory';
import { ReplayGuard } from '../../src/replay-guard.ts';
import type { AppEnv } from '../env.ts';
import { ReplayedError } from '../errors.ts';

/** A fast path only; the coordinators hold the authoritative memory. */
const MAX_REMEMBERED_HERE = 10_000;

const acceptedHere = new ReplayGuard(MAX_REMEMBERED_HERE);

export const refuseReplays = createMiddleware<AppEnv>(async (c, next) => {
  const { mac, validUntil } = c.get('signature');
  if (!acceptedHere.claim(mac, validUntil)) throw new ReplayedError();
  await next();
});
