// The file `queues apply` reads: a list of registrations, as an array or as `{ registrations: [...] }`
// (what `queues ls --json` prints, so export → edit → apply round-trips). Each entry is either our
// shape (a registration's fields; `version`, when present, is the version the entry was edited from)
// or the seed's `registrations.ts` shape `{ name, endpoint, config: { concurrency, timeout } }`.
// Every field is checked here, before anything is sent, so a bad file changes nothing.

import { isPlainObject } from '../../json.ts';
import type { FieldError, RegistrationInput } from '../../protocol.ts';
import { checkRegistrationInput, FieldChecker, isValidQueueName, queueNameError } from '../../registration.ts';

const SEED_CONFIG_FIELDS = new Set(['concurrency', 'timeout']);

export interface DesiredRegistration {
  name: string;
  input: RegistrationInput;
  /** The version the entry was read at: applied with If-Match, so a change made since is refused. */
  version?: number;
}

export type RegistrationFileResult = { ok: true; entries: DesiredRegistration[] } | { ok: false; errors: FieldError[] };

/** The seed's `config: { concurrency, timeout }` as our `concurrency` / `timeoutMs`. */
const fromSeedConfig = (entry: Record<string, unknown>, check: FieldChecker, prefix: string): Record<string, unknown> => {
  const { config, ...rest } = entry;
  if (config === undefined) return rest;
  if (!isPlainObject(config)) {
    check.fail(`${prefix}config`, 'must be an object { concurrency?, timeout? } (the seed shape)');
    return rest;
  }
  check.unknownFields(config, SEED_CONFIG_FIELDS, `${prefix}config.`);
  for (const [seedField, field] of [['concurrency', 'concurrency'], ['timeout', 'timeoutMs']] as const) {
    if (config[seedField] === undefined) continue;
    if (rest[field] !== undefined) check.fail(`${prefix}config.${seedField}`, `must not be given together with ${prefix}${field}`);
    else rest[field] = config[seedField];
  }
  return rest;
};

const readEntry = (entry: unknown, index: number, check: FieldChecker): DesiredRegistration | undefined => {
  const prefix = `[${index}].`;
  if (!isPlainObject(entry)) return check.fail(`[${index}]`, 'must be an object');
  if (!isValidQueueName(entry.name)) {
    const error = queueNameError(`${prefix}name`);
    return check.fail(error.field, error.message);
  }
  const { name, version, updatedAt: _stampedByTheEdge, ...fields } = fromSeedConfig(entry, check, prefix);
  const checkedVersion = version === undefined ? undefined : check.integer(version, `${prefix}version`, { min: 1, max: Number.MAX_SAFE_INTEGER });
  const checked = checkRegistrationInput(name as string, fields, { requireEndpoint: false, endpoints: null });
  if (!checked.ok) {
    for (const error of checked.errors) check.fail(`${prefix}${error.field}`, error.message);
    return undefined;
  }
  return { name: name as string, input: checked.value, ...(checkedVersion === undefined ? {} : { version: checkedVersion }) };
};

export const parseRegistrationFile = (document: unknown): RegistrationFileResult => {
  const check = new FieldChecker();
  const list = isPlainObject(document) ? document.registrations : document;
  if (!Array.isArray(list)) {
    check.fail('file', 'must be a JSON array of registrations, or { "registrations": [...] }');
    return { ok: false, errors: check.errors };
  }
  const entries = list.map((entry, index) => readEntry(entry, index, check));
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    if (entry && seen.has(entry.name)) check.fail(`[${index}].name`, `'${entry.name}' is listed twice`);
    if (entry) seen.add(entry.name);
  });
  return check.errors.length > 0 ? { ok: false, errors: check.errors } : { ok: true, entries: entries as DesiredRegistration[] };
};
