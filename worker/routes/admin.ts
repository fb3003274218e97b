// /admin/registrations: the only way registrations change. Each write goes through the queue's
// coordinator, which checks If-Match against the authoritative version and updates KV after.

import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Hono, type Context } from 'hono';
import * as z from 'zod';
import { queueKey } from '../../src/feature-keys.ts';
import { MAX_CONTROL_BODY_BYTES, type Registration } from '../../src/protocol.ts';
import { anyOf, errorAnswers, jsonAnswer, jsonBody } from '../../src/openapi/responses.ts';
import { checkRegistrationInput, isValidQueueName, queueNameError } from '../../src/registration.ts';
import { FeatureKeysSchema, RegistrationListSchema, RegistrationPatchSchema, RegistrationPutSchema, RegistrationSchema } from '../../src/schema/registration.ts';
import { queueName as queueNameSchema } from '../../src/schema/rules.ts';
import { endpointPolicy, registrationDefaults, rotatingSecret } from '../config.ts';
import type { WriteRegistrationRequest } from '../coordinator/types.ts';
import type { AppEnv } from '../env.ts';
import { NotFoundError, PreconditionFailedError, StoreUnavailableError, ValidationError } from '../errors.ts';
import { readJsonBody } from '../http/read-body.ts';
import { adminAuth } from '../middleware/admin-auth.ts';
import { listRegistrations } from '../registry.ts';

export const etagOf = (registration: Registration): string => `"${registration.version}"`;

const queueName = (c: Context<AppEnv>): string => {
  const name = c.req.param('name') ?? '';
  if (!isValidQueueName(name)) throw new ValidationError([queueNameError()]);
  return name;
};

const notRegistered = (name: string) => new NotFoundError(`queue '${name}' is not registered`);

const staleVersion = (currentVersion: number | null) =>
  new PreconditionFailedError(
    currentVersion === null ? 'If-Match given but the queue does not exist' : `If-Match does not match the current version (${currentVersion})`,
    { details: { currentVersion } },
  );

const write = async (c: Context<AppEnv>, mode: WriteRegistrationRequest['mode']) => {
  const name = queueName(c);
  const body = await readJsonBody(c, MAX_CONTROL_BODY_BYTES, { drainOversized: true });
  // Checked here, before the coordinator is called: it only ever receives known, checked fields.
  const input = checkRegistrationInput(name, body, { requireEndpoint: mode === 'replace', endpoints: endpointPolicy(c.env, c.req.url) });
  if (!input.ok) throw new ValidationError(input.errors);
  const result = await c.env.QUEUE_COORDINATOR.getByName(name).writeRegistration({
    name,
    input: input.value,
    mode,
    ifMatch: c.req.header('If-Match'),
    defaults: registrationDefaults(c.env),
  });
  switch (result.status) {
    case 400:
      throw new ValidationError(result.errors);
    case 404:
      throw notRegistered(name);
    case 412:
      throw staleVersion(result.currentVersion);
    case 503:
      throw new StoreUnavailableError();
    default:
      c.header('ETag', etagOf(result.registration));
      if (result.status === 201) c.header('Location', `/admin/registrations/${name}`);
      return c.json(result.registration, result.status);
  }
};

const security = anyOf('admin');
const tags = ['admin'];
const params = z.object({ name: queueNameSchema });
const ifMatch = z.object({ 'If-Match': z.string().optional().meta({ description: 'The ETag of the version this change was made from.', example: '"3"' }) });
const withEtag = (description: string) => ({
  ...jsonAnswer(RegistrationSchema, description),
  headers: { ETag: { schema: { type: 'string' as const }, description: 'The version, quoted.' } },
});

/** These routes for the OpenAPI document, relative to /admin. */
export const ADMIN_ROUTES: RouteConfig[] = [
  { method: 'get', path: '/registrations', tags, security, summary: 'Every registration', responses: { 200: jsonAnswer(RegistrationListSchema, 'The list.'), ...errorAnswers(401, 503) } },
  {
    method: 'get',
    path: '/registrations/{name}',
    tags,
    security,
    summary: 'One registration, with its ETag',
    request: { params },
    responses: { 200: withEtag('The registration.'), ...errorAnswers(401, 404, 503) },
  },
  {
    method: 'get',
    path: '/registrations/{name}/keys',
    tags,
    security,
    summary: "The queue's feature signing key(s), for the team that owns it",
    request: { params },
    responses: { 200: jsonAnswer(FeatureKeysSchema, 'The key, and the next one while rotating.'), ...errorAnswers(401, 404, 503) },
  },
  {
    method: 'put',
    path: '/registrations/{name}',
    tags,
    security,
    summary: 'Create or replace a registration',
    request: { params, headers: ifMatch, body: jsonBody(RegistrationPutSchema) },
    responses: { 200: withEtag('Replaced.'), 201: withEtag('Created.'), ...errorAnswers(401, 412, 413, 415, 503) },
  },
  {
    method: 'patch',
    path: '/registrations/{name}',
    tags,
    security,
    summary: 'Change some fields of a registration',
    request: { params, headers: ifMatch, body: jsonBody(RegistrationPatchSchema) },
    responses: { 200: withEtag('Changed.'), ...errorAnswers(401, 404, 412, 413, 415, 503) },
  },
  {
    method: 'delete',
    path: '/registrations/{name}',
    tags,
    security,
    summary: 'Remove a registration',
    request: { params, headers: ifMatch },
    responses: { 204: { description: 'Removed.' }, ...errorAnswers(401, 404, 412, 503) },
  },
];

export const adminRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .get('/registrations', async (c) => c.json({ registrations: await listRegistrations(c.env) }))
  .get('/registrations/:name', async (c) => {
    const name = queueName(c);
    const registration = await c.env.QUEUE_COORDINATOR.getByName(name).getRegistration();
    if (!registration) throw notRegistered(name);
    c.header('ETag', etagOf(registration));
    return c.json(registration);
  })
  // Operators hold ADMIN_TOKEN, not the platform secret: this derives one queue's feature key(s)
  // for them to hand to the team that owns the queue; never for a queue that is not registered.
  .get('/registrations/:name/keys', async (c) => {
    const name = queueName(c);
    const secret = rotatingSecret(c.env, 'FEATURE_SIGNING_SECRET');
    if (!(await c.env.QUEUE_COORDINATOR.getByName(name).getRegistration())) throw notRegistered(name);
    const [key, nextKey] = await Promise.all([queueKey(secret.current, name), secret.next === undefined ? undefined : queueKey(secret.next, name)]);
    c.header('Cache-Control', 'no-store');
    return c.json(nextKey === undefined ? { key } : { key, nextKey });
  })
  .put('/registrations/:name', (c) => write(c, 'replace'))
  .patch('/registrations/:name', (c) => write(c, 'merge'))
  .delete('/registrations/:name', async (c) => {
    const name = queueName(c);
    const result = await c.env.QUEUE_COORDINATOR.getByName(name).deleteRegistration(c.req.header('If-Match'));
    if (result.status === 404) throw notRegistered(name);
    if (result.status === 412) throw staleVersion(result.currentVersion);
    if (result.status === 503) throw new StoreUnavailableError();
    return c.body(null, 204);
  });
