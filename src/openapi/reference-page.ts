// A readable HTML reference rendered from an OpenAPI document, self-contained (inline CSS, no
// script, nothing fetched): served next to /openapi.json by the edge and the bridge, so the
// reference works where the tiers run, offline, and adds no renderer to the Worker bundle.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2430}
h2{border-bottom:1px solid #ccd;margin-top:2.5rem}section{border:1px solid #dde;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}pre{background:#f4f5f8;padding:.6rem;overflow:auto;font-size:13px}
table{border-collapse:collapse}td,th{border:1px solid #dde;padding:.2rem .5rem;text-align:left;vertical-align:top}.auth{color:#675}`;

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: Json | undefined): string => (typeof value === 'string' ? value : '');
const pre = (value: Json): string => `<pre>${escape(JSON.stringify(value, null, 2))}</pre>`;
const anchor = (name: string): string => `schema-${name.replace(/[^\w-]/g, '_')}`;

/** A schema as a link to its component, or inline. */
const schemaView = (schema: Json | undefined): string => {
  const ref = isObject(schema) ? text(schema.$ref) : '';
  if (ref) {
    const name = ref.split('/').pop() ?? ref;
    return `<p>Schema: <a href="#${anchor(name)}">${escape(name)}</a></p>`;
  }
  return schema === undefined ? '' : pre(schema);
};

const contentView = (content: Json | undefined): string =>
  isObject(content)
    ? Object.entries(content)
        .map(([type, media]) => {
          const body = isObject(media) ? media : {};
          return `<p><code>${escape(type)}</code></p>${schemaView(body.schema)}${body.example === undefined ? '' : `<p>Example:</p>${pre(body.example)}`}`;
        })
        .join('')
    : '';

const parametersView = (parameters: Json | undefined): string => {
  const rows = (Array.isArray(parameters) ? parameters : []).filter(isObject).map((p) => {
    const schema = isObject(p.schema) ? JSON.stringify(p.schema) : '';
    return `<tr><td><code>${escape(text(p.name))}</code></td><td>${escape(text(p.in))}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${escape(schema)}</code> ${escape(text(p.description))}</td></tr>`;
  });
  return rows.length ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>${rows.join('')}</table>` : '';
};

const operationView = (method: string, path: string, operation: JsonObject): string => {
  const security = Array.isArray(operation.security) ? operation.security.filter(isObject).flatMap((s) => Object.keys(s)) : [];
  const body = isObject(operation.requestBody) ? `<h4>Request body</h4>${contentView(operation.requestBody.content)}` : '';
  const responses = isObject(operation.responses)
    ? Object.entries(operation.responses)
        .map(([status, response]) => {
          const r = isObject(response) ? response : {};
          return `<li><b>${escape(status)}</b> ${escape(text(r.description))}${contentView(r.content)}</li>`;
        })
        .join('')
    : '';
  return `<section id="${escape(`${method}-${path}`)}"><h3><span class="method">${method}</span><code>${escape(path)}</code></h3>
<p>${escape(text(operation.summary))}</p><p>${escape(text(operation.description))}</p>
<p class="auth">Auth: ${security.length ? escape(security.join(' or ')) : 'none'}</p>${parametersView(operation.parameters)}${body}<h4>Responses</h4><ul>${responses}</ul></section>`;
};

const operationsView = (paths: Json | undefined): string =>
  Object.entries(isObject(paths) ? paths : {})
    .flatMap(([path, item]) => METHODS.filter((method) => isObject(item) && isObject(item[method])).map((method) => operationView(method, path, (item as JsonObject)[method] as JsonObject)))
    .join('\n');

/** The whole page for `document` (an OpenAPI 3.1 document as JSON). */
export const renderReferencePage = (document: object): string => {
  const doc = document as JsonObject;
  const info = isObject(doc.info) ? doc.info : {};
  const components = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
  const schemas = Object.entries(components)
    .map(([name, schema]) => `<section id="${anchor(name)}"><h3>${escape(name)}</h3>${pre(schema)}</section>`)
    .join('\n');
  const webhooks = operationsView(doc.webhooks);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(text(info.title))}</title><style>${STYLE}</style></head><body>
<h1>${escape(text(info.title))} <small>${escape(text(info.version))}</small></h1><p>${escape(text(info.description))}</p>
<p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI ${escape(text(doc.openapi))}).</p>
<h2>Routes</h2>${operationsView(doc.paths)}${webhooks ? `<h2>Webhooks (you implement these)</h2>${webhooks}` : ''}<h2>Schemas</h2>${schemas}</body></html>`;
};
