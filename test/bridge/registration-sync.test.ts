// What the bridge accepts from GET /internal/registrations before starting anything.

import { expect, it } from 'vitest';
import type { RegistrationsFetch } from '../../bridge/edge-client.ts';
import { createLogger } from '../../bridge/logger.ts';
import { RegistrationSync } from '../../bridge/registration-sync.ts';
import type { Registration } from '../../src/protocol.ts';

const DEFAULTS = { concurrency: 5, timeoutMs: 30_000, attempts: 3, backoffType: 'exponential' as const };

const setup = (fetches: RegistrationsFetch[]) => {
  const reconciled: Registration[][] = [];
  const etagsSent: (string | undefined)[] = [];
  const sync = new RegistrationSync({
    edge: {
      fetchRegistrations: async (etag) => {
        etagsSent.push(etag);
        return fetches.shift() ?? { changed: false };
      },
    },
    pool: { reconcile: (registrations) => void reconciled.push(registrations) },
    defaults: DEFAULTS,
    logger: createLogger({ level: 'silent', format: 'json' }),
  });
  return { sync, reconciled, etagsSent };
};

const email = { name: 'email', endpoint: 'http://email-api:3020', concurrency: 10, version: 3, updatedAt: '2026-11-27T12:00:00.000Z' };

it('fills defaults, ignores fields it does not know, and polls with the last ETag', async () => {
  const { sync, reconciled, etagsSent } = setup([{ changed: true, etag: '"a"', registrations: [{ ...email, owner: 'growth-team' }] }, { changed: false }]);

  await sync.syncOnce();
  await sync.syncOnce();

  expect(reconciled).toHaveLength(1);
  expect(reconciled[0]).toEqual([
    expect.objectContaining({ name: 'email', concurrency: 10, timeoutMs: 30_000, paused: false, version: 3, retry: expect.objectContaining({ attempts: 3 }) }),
  ]);
  expect(reconciled[0][0]).not.toHaveProperty('owner');
  expect(etagsSent).toEqual([undefined, '"a"']);
});

it('keeps the previous version of a registration that turns invalid, and drops nameless entries', async () => {
  const { sync, reconciled } = setup([
    { changed: true, registrations: [email] },
    { changed: true, registrations: [{ ...email, concurrency: 0, version: 4 }, { endpoint: 'http://x' }] },
  ]);

  await sync.syncOnce();
  await sync.syncOnce();

  expect(reconciled[1]).toEqual([expect.objectContaining({ name: 'email', concurrency: 10, version: 3 })]);
});
