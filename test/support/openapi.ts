// Reading a tier's OpenAPI document in tests: which routes the Hono app serves that the document
// leaves out, the request examples the document gives, and mutations of them that must be refused.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface Operation {
  parameters?: JsonObject[];
  requestBody?: { content: Record<string, { schema: JsonObject }> };
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  webhooks?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonObject> };
}

export interface ServedRoute {
  method: string;
  path: string;
  handler: (...args: never[]) => unknown;
}

/** Hono's `/a/:name{pause|resume}/*` as OpenAPI's `/a/{name}/{path}`. */
const openApiPath = (path: string): string =>
  path
    .replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')
    .replace(/\/\*$/, '/{path}')
    .replace(/(.)\/$/, '$1');

/**
 * `METHOD path` of every route the app serves and the document does not list. Middleware (a
 * handler that takes `next`) is no route of its own; a route for ALL methods needs its path listed.
 */
export const undocumentedRoutes = (routes: readonly ServedRoute[], document: OpenApiDocument): string[] =>
  routes
    .filter((route) => route.handler.length < 2)
    .map((route) => ({ method: route.method.toLowerCase(), path: openApiPath(route.path) }))
    .filter(({ method, path }) => {
      const item = document.paths[path];
      return !item || (method === 'all' ? Object.keys(item).length === 0 : !item[method]);
    })
    .map(({ method, path }) => `${method.toUpperCase()} ${path}`);

export const resolve = (document: OpenApiDocument, schema: JsonObject): JsonObject => {
  const ref = typeof schema.$ref === 'string' ? schema.$ref.split('/').pop() : undefined;
  return ref ? (document.components?.schemas?.[ref] ?? {}) : schema;
};

export interface BodyExample {
  operation: string;
  schema: JsonObject;
  example: JsonObject;
}

/** The JSON request body example of every operation (paths and webhooks) that has one. */
export const bodyExamples = (document: OpenApiDocument): BodyExample[] =>
  [...Object.entries(document.paths), ...Object.entries(document.webhooks ?? {})].flatMap(([path, item]) =>
    Object.entries(item).flatMap(([method, operation]) => {
      const media = operation.requestBody?.content['application/json'];
      const schema = media ? resolve(document, media.schema) : undefined;
      const example = schema?.example;
      return schema && example && typeof example === 'object' && !Array.isArray(example) ? [{ operation: `${method.toUpperCase()} ${path}`, schema, example }] : [];
    }),
  );

/** A value of another JSON type than `value`. */
const wrongType = (value: Json): Json => (typeof value === 'string' ? 12345 : 'not-this');

const acceptsAnything = (schema: JsonObject): boolean => !['type', '$ref', 'anyOf', 'oneOf', 'enum', 'const'].some((key) => key in schema);

/** For each field of the example whose schema constrains it: the example with that field of the wrong type. */
export const mutations = (document: OpenApiDocument, { schema, example }: BodyExample): { field: string; body: JsonObject }[] => {
  const properties = (schema.properties ?? {}) as Record<string, JsonObject>;
  return Object.keys(example)
    .filter((field) => properties[field] && !acceptsAnything(resolve(document, properties[field])))
    .map((field) => ({ field, body: { ...example, [field]: wrongType(example[field]) } }));
};

/** A query string from each query parameter's example (or first allowed value), where it has one. */
export const queryExample = (operation: Operation): Record<string, string> =>
  Object.fromEntries(
    (operation.parameters ?? [])
      .filter((parameter) => parameter.in === 'query')
      .flatMap((parameter) => {
        const schema = (parameter.schema ?? {}) as JsonObject;
        const value = schema.example ?? (Array.isArray(schema.enum) ? schema.enum[0] : undefined);
        return value === undefined ? [] : [[String(parameter.name), String(value)]];
      }),
  );
