// The edge's OpenAPI document (issue 9): generated from the same schemas the routes validate with,
// it lists every route the app serves, its request examples pass the real routes' validation, and
// each example with one field of the wrong type is a 400 naming that field.

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { parseJobRequest } from '../../src/handler/parse-job-request.ts';
import { app } from '../../worker/app.ts';
import type { ErrorBody } from '../../src/protocol.ts';
import { bodyExamples, mutations, undocumentedRoutes, type BodyExample, type OpenApiDocument } from '../support/openapi.ts';
import { adminFetch, edgeFetch, fieldsNamed, uniqueQueue } from './helpers.ts';

const document = async (): Promise<OpenApiDocument> => {
  const response = await edgeFetch('/openapi.json');
  expect(response.status).toBe(200);
  return response.json();
};

const example = (doc: OpenApiDocument, operation: string): BodyExample => {
  const found = bodyExamples(doc).find((candidate) => candidate.operation === operation);
  if (!found) throw new Error(`the document gives no example for ${operation}`);
  return found;
};

const refusedFields = async (response: Response): Promise<string[]> => fieldsNamed(((await response.json()) as ErrorBody).error);

const producerPost = (queue: string, body: unknown) =>
  edgeFetch(`/queues/${queue}/jobs`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env.PRODUCER_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1, open without a token, and lists every route the app serves', async () => {
    const doc = await document();
    expect(doc.openapi).toBe('3.1.0');
    expect(undocumentedRoutes(app.routes, doc)).toEqual([]);
    // The walk sees the routes: against an empty document each one is missing.
    expect(undocumentedRoutes(app.routes, { ...doc, paths: {} })).toEqual(expect.arrayContaining(['PUT /admin/registrations/{name}', 'POST /internal/dispatch/batch', 'GET /health']));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/admin/registrations/{name}', '/queues/{name}/jobs', '/internal/dispatch', '/openapi.json', '/docs']));
    expect(Object.keys(doc.webhooks ?? {})).toEqual(['/internal/process-job']);
  });

  it("admin examples pass the admin routes' validation (PUT creates, PATCH changes) and a wrong-typed field is a 400 naming it", async () => {
    const doc = await document();
    const name = uniqueQueue('openapi-admin');
    for (const operation of ['PUT /admin/registrations/{name}', 'PATCH /admin/registrations/{name}']) {
      const given = example(doc, operation);
      const method = operation.split(' ')[0];
      expect(mutations(doc, given).length, operation).toBeGreaterThan(1);
      for (const { field, body } of mutations(doc, given)) {
        const refused = await adminFetch(`/admin/registrations/${name}`, { method, body: JSON.stringify(body) });
        expect(refused.status, `${operation} with ${field} mutated`).toBe(400);
        expect((await refusedFields(refused)).some((named) => named === field || named.startsWith(`${field}.`)), `${operation}: ${field} named`).toBe(true);
      }
      const accepted = await adminFetch(`/admin/registrations/${name}`, { method, body: JSON.stringify(given.example) });
      expect(accepted.status, `${operation}: ${await accepted.clone().text()}`).toBe(method === 'PUT' ? 201 : 200);
    }
  });

  it("the producer example passes the route's validation (an unregistered queue is then 404, not 400); a wrong-typed field is a 400 naming it", async () => {
    const doc = await document();
    const given = example(doc, 'POST /queues/{name}/jobs');
    const unregistered = uniqueQueue('openapi-producer');
    expect((await producerPost(unregistered, given.example)).status).toBe(404);
    const mutated = mutations(doc, given);
    expect(mutated.map((m) => m.field)).toEqual(['name', 'opts']);
    for (const { field, body } of mutated) {
      const refused = await producerPost(unregistered, body);
      expect(refused.status).toBe(400);
      expect(await refusedFields(refused)).toEqual([field]);
    }
  });

  it("the feature call's example is a request the handler helper accepts, and one with jobId of the wrong type it refuses", async () => {
    const doc = await document();
    const given = example(doc, 'POST /internal/process-job');
    expect(parseJobRequest(JSON.stringify(given.example))).toMatchObject({ ok: true });
    expect(parseJobRequest(JSON.stringify({ ...given.example, jobId: 12345 }))).toMatchObject({ ok: false, message: expect.stringContaining('jobId') });
  });
});

describe('GET /docs', () => {
  it('renders every route of the document on one self-contained page: no script, nothing fetched', async () => {
    const [doc, response] = await Promise.all([document(), edgeFetch('/docs')]);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    const page = await response.text();
    for (const path of Object.keys(doc.paths)) expect(page).toContain(`<code>${path}</code>`);
    expect(page).not.toMatch(/<script|<link|\ssrc=|href="https?:/i);
  });
});
