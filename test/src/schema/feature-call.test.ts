// The feature call's schema (what the edge's OpenAPI document tells feature teams) and the handler
// helper's own parser (what feature Workers run, without zod) give the same verdict on every body.

import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parseJobRequest } from '../../../src/handler/parse-job-request.ts';
import { parseJsonOrUndefined } from '../../../src/json.ts';
import { FeatureJobRequestSchema } from '../../../src/schema/feature-call.ts';
import { checkProperty, fuzzRuns } from '../../support/fuzz.ts';
import { field, hostileId, jsonText, shape } from '../../support/fuzz-arbitraries.ts';
import { goodJobId } from '../../support/fuzz-shapes.ts';

const RUNS = fuzzRuns(1_000, env.FUZZ_RUNS);

const featureCall = shape({
  jobId: field(fc.oneof(goodJobId, hostileId)),
  queueName: field(fc.constantFrom('email', 'image-gen', '')),
  data: field(fc.jsonValue({ maxDepth: 2 })),
  attemptsMade: field(fc.oneof(fc.nat(5), fc.constantFrom(-1, 1.5))),
});

describe('the feature call body', () => {
  it('is accepted by its schema exactly when the handler helper accepts it', async () => {
    await checkProperty(
      'feature call: schema and handler parser agree',
      fc.asyncProperty(featureCall, async (body) => {
        const text = jsonText(body);
        const bySchema = FeatureJobRequestSchema.safeParse(parseJsonOrUndefined(text)).success;
        const byHandler = parseJobRequest(text).ok;
        if (bySchema !== byHandler) throw new Error(`schema says ${bySchema}, handler says ${byHandler} for ${text}`);
      }),
      { numRuns: RUNS },
    );
  });
});
