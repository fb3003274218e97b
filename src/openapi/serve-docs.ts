// GET /openapi.json and GET /docs for a tier's Hono app: the OpenAPI 3.1 document generated from the
// routes' schemas (once, on first request), and the reference page rendered from it. Open, like
// /health: they describe contracts the ARCHITECTURE already publishes and hold no data or secret.
// Nothing of it is built before that request, not even zod-to-openapi loaded: most processes never
// serve their document, and a bridge's memory at rest is counted (issue 13).

import type { OpenApiGeneratorV31, OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Env, Hono } from 'hono';
import * as z from 'zod';
import { renderReferencePage } from './reference-page.ts';

type OpenAPIObject = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const DOCS_ROUTES: RouteConfig[] = [
  {
    method: 'get',
    path: '/openapi.json',
    tags: ['docs'],
    summary: 'This OpenAPI 3.1 document',
    responses: { 200: { description: 'The document.', content: { 'application/json': { schema: z.object({ openapi: z.string() }).loose() } } } },
  },
  {
    method: 'get',
    path: '/docs',
    tags: ['docs'],
    summary: 'The reference page, rendered from this document',
    responses: { 200: { description: 'HTML, self-contained.', content: { 'text/html': { schema: z.string() } } } },
  },
];

/** Describes `routes` (paths relative to where their router is mounted) at `prefix`. */
export const describeRoutes = (registry: OpenAPIRegistry, prefix: string, routes: readonly RouteConfig[]): void => {
  for (const route of routes) registry.registerPath({ ...route, path: `${prefix}${route.path}` });
};

const ERRORS = 'Errors are `{error:{code,message,details?}}`; a 400 names each bad field once in `details`.';

/** The two kinds of credentials the tiers take. */
type SecurityScheme =
  | { type: 'http'; scheme: 'bearer'; description: string }
  | { type: 'apiKey'; in: 'header' | 'cookie'; name: string; description: string };

/** What a tier's document says about itself, and how its callers authenticate. */
export interface DocumentAbout {
  title: string;
  description: string;
  securitySchemes: Record<string, SecurityScheme>;
}

export const bearer = (description: string): SecurityScheme => ({ type: 'http', scheme: 'bearer', description });

/** A tier's document: what it says about itself, and its routes written into a registry. */
export interface DocumentSource {
  about: DocumentAbout;
  describe(registry: OpenAPIRegistry): void;
}

const generateDocument = async ({ about, describe }: DocumentSource): Promise<OpenAPIObject> => {
  const { OpenAPIRegistry, OpenApiGeneratorV31 } = await import('@asteasolutions/zod-to-openapi');
  const registry = new OpenAPIRegistry();
  describe(registry);
  describeRoutes(registry, '', DOCS_ROUTES);
  for (const [name, scheme] of Object.entries(about.securitySchemes)) registry.registerComponent('securitySchemes', name, scheme);
  const config = { openapi: '3.1.0', info: { title: about.title, version: '1', description: `${about.description} ${ERRORS}` } };
  return new OpenApiGeneratorV31(registry.definitions).generateDocument(config);
};

/** Adds both routes to `app`; `source` is asked for the document on the first request for either. */
export const serveDocs = <E extends Env>(app: Hono<E>, source: () => DocumentSource | Promise<DocumentSource>): void => {
  let document: Promise<OpenAPIObject> | undefined;
  let page: string | undefined;
  const generated = (): Promise<OpenAPIObject> => (document ??= Promise.resolve().then(source).then(generateDocument));
  app.get('/openapi.json', async (c) => c.json(await generated()));
  app.get('/docs', async (c) => c.html((page ??= renderReferencePage(await generated()))));
};
