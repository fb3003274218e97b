// POST /callbacks/:queue/:jobId: an async queue's feature reports an attempt it took with a 202.
// Signed with the queue's feature key. ARCHITECTURE's form is a feature call's, "<t>.<raw body>",
// which clients in any language are written against; the SDK's completeJob signs
// "<t>.POST.<path>.<raw body>" (the bridge's request form), so its signature names its queue and
// job and cannot be moved to another job. Both are accepted. The coordinator decides: the first
// report of the deferred attempt before its deadline counts; anything else is 409.

import { Hono } from 'hono';
import { HEADER_SIGNATURE, MAX_JOB_BODY_BYTES } from '../../src/protocol.ts';
import { isValidQueueName } from '../../src/registration.ts';
import { JobCallbackSchema } from '../../src/schema/callback.ts';
import { checkWith } from '../../src/schema/field-errors.ts';
import { VERIFY_FAILURE_MESSAGES } from '../../src/signature-failures.ts';
import { bridgeSigningPayload, featureSigningPayload } from '../../src/signing.ts';
import { featureVerifier } from '../dispatch/feature-signer.ts';
import type { AppEnv } from '../env.ts';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../errors.ts';
import { parseJsonBody, readRawBody } from '../http/read-body.ts';

export const callbackRoutes = new Hono<AppEnv>().post('/:queue/:jobId', async (c) => {
  const { queue, jobId } = c.req.param();
  if (!isValidQueueName(queue)) throw new NotFoundError(`no queue '${queue}'`);
  const verifier = await featureVerifier(c.env, queue);
  const checked = verifier.checkHeader(c.req.header(HEADER_SIGNATURE));
  if (!checked.ok) throw new UnauthorizedError(VERIFY_FAILURE_MESSAGES[checked.reason]);
  const rawBody = await readRawBody(c, MAX_JOB_BODY_BYTES, { strictUtf8: false });
  const { timestamp } = checked.signature;
  // The path as sent: c.req.path is percent-decoded, and the SDK signs the encoded path (a job id with a space).
  const sentPath = new URL(c.req.url).pathname;
  const pathBound = await verifier.verifyPayload(checked.signature, bridgeSigningPayload(timestamp, 'POST', sentPath, rawBody));
  const verified = pathBound.ok ? pathBound : await verifier.verifyPayload(checked.signature, featureSigningPayload(timestamp, rawBody));
  if (!verified.ok) throw new UnauthorizedError(VERIFY_FAILURE_MESSAGES[verified.reason]);
  const body = checkWith(JobCallbackSchema, parseJsonBody(c, rawBody));
  if (!body.ok) throw new ValidationError(body.errors);
  const settled = await c.env.QUEUE_COORDINATOR.getByName(queue).settle(jobId, body.value.attempt, body.value);
  if (settled.status === 'unknown') throw new ConflictError(`job '${jobId}' has no attempt waiting for a callback`);
  if (settled.status === 'conflict') throw new ConflictError(settled.message);
  return c.json({ jobId, outcome: settled.outcome.outcome });
});
