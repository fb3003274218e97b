// The admin API's registration as a schema (ARCHITECTURE "Registration"): what an admin may send
// (PUT requires an endpoint, PATCH does not) and what the edge answers. The endpoint's host policy
// depends on the edge's config and is applied after this (src/registration.ts), its shape here.

import * as z from 'zod';
import { checkEndpointShape, checkPath, type EndpointCheck } from '../endpoint-policy.ts';
import { ALERT_EVENTS, COMPLETION_MODES, DEFAULT_FEATURE_PATH, LIMITS } from '../protocol.ts';
import { integerIn, numberIn, oneOf, queueName, requiredOr, strictObject } from './rules.ts';

export const BACKOFF_TYPES = ['exponential', 'fixed'] as const;

const URL_MESSAGE = 'must be an http(s) URL string';
const PATH_MESSAGE = "must be a string starting with '/'";

/** A refinement reporting the endpoint policy's own words. */
const verdict = (judge: (value: string) => EndpointCheck) => (value: string, ctx: z.RefinementCtx) => {
  const result = judge(value);
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.message });
};

export const endpointSchema = z
  .string({ error: requiredOr(URL_MESSAGE) })
  .min(1, { error: URL_MESSAGE })
  .max(LIMITS.endpointLength, { error: `must be at most ${LIMITS.endpointLength} characters` })
  .superRefine(verdict(checkEndpointShape))
  // Normalised: lowercase host, no trailing slash.
  .transform((value) => {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  })
  .meta({
    description:
      '`http(s)://host[:port][/prefix]`. Loopback, private and unspecified addresses and `localhost` only where the edge allows private endpoints; link-local, cloud metadata and the edge itself never.',
    example: 'https://email-api.example',
  });

const pathSchema = z
  .string({ error: PATH_MESSAGE })
  .startsWith('/', { error: PATH_MESSAGE })
  .max(LIMITS.pathLength, { error: `must be at most ${LIMITS.pathLength} characters` })
  .regex(/^[^\s?#]*$/, { error: 'must not contain whitespace, a query string or a fragment' })
  .superRefine(verdict(checkPath))
  .meta({ description: "The feature's job path under the endpoint; no `.` or `..` segments.", example: DEFAULT_FEATURE_PATH });

const backoffInput = strictObject({
  type: oneOf(BACKOFF_TYPES).optional(),
  delayMs: integerIn(LIMITS.delayMs).optional().meta({ description: 'Delay before the first retry; exponential doubles it per attempt.' }),
  maxDelayMs: integerIn(LIMITS.maxDelayMs).optional().meta({ description: 'Upper bound for any single delay; at least delayMs.' }),
  jitter: numberIn(LIMITS.jitter).optional().meta({ description: 'Fraction of the delay randomised away (0 = exact).' }),
});

const rateLimitInput = strictObject({
  max: integerIn(LIMITS.rateLimitMax).meta({ description: 'Most feature calls that may start in any window of `perMs`.' }),
  perMs: integerIn(LIMITS.rateLimitPerMs).meta({ description: 'The window, in milliseconds.' }),
});

const retryInput = strictObject({
  attempts: integerIn(LIMITS.attempts).optional().meta({ description: 'Total attempts including the first one.' }),
  backoff: backoffInput.optional(),
});

// The flow-control fields' shapes, for the document; their rules (cron and time zone parsed as the
// bridge's schedulers will, the alert URL under the endpoint policy) are src/flow-fields.ts's.
const ScheduleSchema = z
  .object({
    id: z.string().meta({ description: 'Unique in the registration: letters, digits, `_ . -`, up to 64.' }),
    cron: z.string().optional().meta({ description: '5 fields, or 6 with seconds first; in `tz` when given, else UTC. One of `cron` or `everyMs`.' }),
    tz: z.string().optional().meta({ description: 'IANA time zone of `cron`.' }),
    everyMs: z.int().min(1000).optional(),
    data: z.unknown(),
    name: z.string().optional().meta({ description: "The jobs' name; the schedule id when absent." }),
  })
  .meta({ id: 'Schedule', description: 'A repeating job (a BullMQ job scheduler), run once per tick however many bridges run.' });
const AlertsSchema = z
  .object({
    url: z.string().meta({ description: 'Receives Standard Webhooks-signed POSTs (key ALERT_SIGNING_SECRET).' }),
    on: z.array(z.enum(ALERT_EVENTS)),
    backlogOver: z.int().min(0).optional().meta({ description: 'Required with `queue.backlog`: fires when more jobs than this wait, once until it recovers.' }),
  })
  .meta({ id: 'Alerts' });

const inputShape = {
  name: z.string({ error: 'must equal the queue name in the URL when given' }).optional().meta({ description: 'When given, must equal the queue name in the URL.' }),
  endpoint: endpointSchema.optional(),
  path: pathSchema.optional(),
  concurrency: integerIn(LIMITS.concurrency).optional().meta({ description: 'Global limit across every bridge replica.' }),
  timeoutMs: integerIn(LIMITS.timeoutMs).optional().meta({ description: 'The feature call is aborted after this long.' }),
  retry: retryInput.optional(),
  paused: z.boolean({ error: 'must be true or false' }).optional(),
  rateLimit: rateLimitInput
    .nullable()
    .optional()
    .meta({ description: 'Global start rate across every bridge replica, enforced with `concurrency`; `null` removes it.', example: { max: 50, perMs: 1000 } }),
  completion: oneOf(COMPLETION_MODES)
    .optional()
    .meta({ description: '`async`: the feature answers 202 at once and reports by `POST /callbacks/:queue/:jobId` before `timeoutMs`; the slot is held until then.' }),
  schedules: z.unknown().optional().meta({ description: 'Up to 20 `Schedule`s; `[]` removes them all.' }),
  alerts: z.unknown().optional().meta({ description: '`Alerts`, or `null` to remove them.' }),
  // A registration read from GET can be sent back as it is: these two are the edge's and ignored.
  version: z.unknown().optional().meta({ description: "Ignored (the edge's own); a GET's answer can be sent back unchanged." }),
  updatedAt: z.unknown().optional().meta({ description: "Ignored (the edge's own)." }),
};

const NOT_AN_OBJECT = 'must be a JSON object';

/** PATCH: every field optional, merged over the queue's current registration. */
export const RegistrationPatchSchema = strictObject(inputShape, NOT_AN_OBJECT).meta({
  id: 'RegistrationPatch',
  description: 'Fields to change; nested `retry` and `retry.backoff` merge field by field.',
  example: { concurrency: 20, retry: { backoff: { delayMs: 2000 } } },
});

/** PUT: a whole registration; omitted fields take the edge's defaults. */
export const RegistrationPutSchema = strictObject({ ...inputShape, endpoint: endpointSchema }, NOT_AN_OBJECT).meta({
  id: 'RegistrationPut',
  description: "A whole registration; omitted fields take the edge's defaults (QUEUE_* vars).",
  example: { endpoint: 'https://email-api.example', concurrency: 10, timeoutMs: 15000, retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 1000 } } },
});

export const RegistrationSchema = z
  .object({
    name: queueName,
    endpoint: z.string(),
    path: z.string(),
    concurrency: z.int(),
    timeoutMs: z.int(),
    retry: z.object({
      attempts: z.int(),
      backoff: z.object({ type: z.enum(BACKOFF_TYPES), delayMs: z.int(), maxDelayMs: z.int(), jitter: z.number() }),
    }),
    paused: z.boolean(),
    rateLimit: z.object({ max: z.int(), perMs: z.int() }).optional().meta({ description: 'At most `max` feature calls start in any `perMs` window.' }),
    completion: z.enum(COMPLETION_MODES).optional().meta({ description: 'Absent: `sync`.' }),
    schedules: z.array(ScheduleSchema).optional(),
    alerts: AlertsSchema.optional(),
    version: z.int().meta({ description: 'Bumped on every write; the ETag.' }),
    updatedAt: z.string().meta({ description: 'ISO time of the last write.' }),
  })
  .meta({
    id: 'Registration',
    example: {
      name: 'email',
      endpoint: 'https://email-api.example',
      path: DEFAULT_FEATURE_PATH,
      concurrency: 10,
      timeoutMs: 15000,
      retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 1000, maxDelayMs: 300000, jitter: 0.2 } },
      paused: false,
      version: 1,
      updatedAt: '2026-11-27T12:00:00.000Z',
    },
  });

export const RegistrationListSchema = z.object({ registrations: z.array(RegistrationSchema) }).meta({ id: 'RegistrationList' });

export const FeatureKeysSchema = z
  .object({
    key: z.string().meta({ description: "The queue's feature signing key (64 hex characters)." }),
    nextKey: z.string().optional().meta({ description: 'The key from FEATURE_SIGNING_SECRET_NEXT while rotating.' }),
  })
  .meta({ id: 'FeatureKeys' });
