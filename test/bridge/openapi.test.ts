// The bridge's OpenAPI document (issue 9): it lists every route the bridge serves, and the ops
// examples it gives (bodies and the job list's query) pass the ops routes' own input checks, while
// each with one field of the wrong type is refused naming that field.

import { describe, expect, it } from 'vitest';
import { createConsoleRoutes } from '../../bridge/console/routes.ts';
import { createHttpApp, type HttpAppSource } from '../../bridge/http-app.ts';
import { createLogger } from '../../bridge/logger.ts';
import type { AlertOutbox } from '../../bridge/alerts/outbox.ts';
import type { CancelBus } from '../../bridge/ops/cancel-bus.ts';
import { ValidationError } from '../../bridge/ops/errors.ts';
import { parseJobListQuery, parsePurge, parseRedrive } from '../../bridge/ops/ops-input.ts';
import { createOpsRoutes } from '../../bridge/ops/routes.ts';
import { bodyExamples, mutations, queryExample, undocumentedRoutes, type OpenApiDocument } from '../support/openapi.ts';
import { openApi31Errors } from '../support/openapi-validator.ts';

const TOKENS = { read: 'read-token-0123456789', act: 'act-token-0123456789' };
const noEdge = async () => ({ available: false as const, error: 'not in this test' });
const unused = (): never => {
  throw new Error('not reached in this test');
};

/** The bridge's real HTTP app over no queues: enough to read its document and its route table. */
const bridgeApp = () => {
  const source: HttpAppSource = { health: unused, status: unused, metrics: unused };
  const ops = createOpsRoutes({ tokens: TOKENS, runners: () => [], runner: () => undefined, edgeFigures: noEdge, cancels: {} as CancelBus, alerts: {} as AlertOutbox });
  const operatorConsole = createConsoleRoutes({ tokens: TOKENS, runners: () => [], edgeFigures: noEdge, setPaused: unused });
  return createHttpApp(source, createLogger({ level: 'error', format: 'json' }), TOKENS, ops, operatorConsole);
};

const document = async (app = bridgeApp()): Promise<OpenApiDocument> => {
  const response = await app.request('/openapi.json');
  expect(response.status).toBe(200);
  return response.json();
};

const refusedFields = (parse: () => unknown): string[] => {
  try {
    parse();
  } catch (error) {
    if (error instanceof ValidationError) return (error.details as { field: string }[]).map((detail) => detail.field);
    throw error;
  }
  return [];
};

describe('GET /openapi.json on the bridge', () => {
  it('is valid OpenAPI 3.1, open without a token, and lists every route the bridge serves', async () => {
    const app = bridgeApp();
    const doc = await document(app);
    expect(await openApi31Errors(doc)).toEqual([]);
    expect(undocumentedRoutes(app.routes, doc)).toEqual([]);
    expect(undocumentedRoutes(app.routes, { ...doc, paths: {} })).toEqual(expect.arrayContaining(['POST /ops/queues/{name}/purge', 'GET /metrics', 'ALL /ui/{path}']));
  });

  it('its redrive and purge examples pass the routes’ checks; each wrong-typed field is refused by name', async () => {
    const doc = await document();
    const parsers = { 'POST /ops/queues/{name}/failed/retry': parseRedrive, 'POST /ops/queues/{name}/purge': parsePurge };
    const examples = bodyExamples(doc);
    expect(examples.map((e) => e.operation).sort()).toEqual(Object.keys(parsers).sort());
    for (const given of examples) {
      const parse = parsers[given.operation as keyof typeof parsers];
      expect(refusedFields(() => parse(given.example)), given.operation).toEqual([]);
      const mutated = mutations(doc, given);
      expect(mutated.length).toBeGreaterThan(1);
      for (const { field, body } of mutated) expect(refusedFields(() => parse(body)), `${given.operation}: ${field}`).toEqual([field]);
    }
  });

  it("the job list's query from the document passes, and an unknown state is refused naming `state`", async () => {
    const doc = await document();
    const query = queryExample(doc.paths['/ops/queues/{name}/jobs'].get);
    expect(query).toEqual({ state: 'waiting', limit: '20' });
    expect(parseJobListQuery(query)).toEqual({ state: 'waiting', limit: 20 });
    expect(refusedFields(() => parseJobListQuery({ ...query, state: 'sleeping' }))).toEqual(['state']);
    expect(refusedFields(() => parseJobListQuery({ ...query, limit: '1e3' }))).toEqual(['limit']);
  });
});

describe('GET /docs on the bridge', () => {
  it('renders every route on one self-contained page', async () => {
    const app = bridgeApp();
    const [doc, response] = await Promise.all([document(app), app.request('/docs')]);
    expect(response.status).toBe(200);
    const page = await response.text();
    for (const path of Object.keys(doc.paths)) expect(page).toContain(`<code>${path}</code>`);
    expect(page).not.toMatch(/<script|<link|\ssrc=|href="https?:/i);
  });
});
