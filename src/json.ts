// Small checks for values that came in as JSON, shared by the edge, the bridge and the clients.

/**
 * Deepest nesting of objects and arrays a job's data may have (ARCHITECTURE "Poison jobs"): deeper
 * values break recursive serialisers and structured clone long before they mean anything.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Deepest nesting any edge route parses. Job data may nest MAX_JSON_DEPTH levels and a batch wraps
 * it three more (`{jobs:[{data}]}`); the slack keeps a valid job from ever being refused whole.
 * Deeper bodies are refused before JSON.parse, so nothing recursive (validation, structured clone
 * into a Durable Object) ever sees them.
 */
export const MAX_BODY_JSON_DEPTH = MAX_JSON_DEPTH + 8;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A JSON object (not null, not an array). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The parsed value, or undefined when `text` is not JSON. */
export const parseJsonOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** A number as written (`1e400`, `12345678901234567890`) and what parsing made of it. */
export interface InexactNumber {
  source: string;
  parsed: number;
  /** Where it stood, as `.a[2].b` from the top of the document. */
  path: string;
}

/** `-1.50e3` → `-15e2`: sign, significant digits and exponent, so equal values compare equal as text. */
const canonicalDecimal = (text: string): string => {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  let power = Number(exponent) - fraction.length;
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  power += trailing;
  return `${sign}${digits}e${power}`;
};

/** Whether `parsed` is exactly the number `source` wrote: finite, and the same decimal once printed again. */
const isExact = (source: string, parsed: number): boolean => Number.isFinite(parsed) && canonicalDecimal(source) === canonicalDecimal(String(parsed));

const findInexact = (value: unknown, path: string, marks: Map<object, InexactNumber>): InexactNumber | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const mark = marks.get(value);
  if (mark) return { ...mark, path };
  for (const [key, child] of Object.entries(value)) {
    const found = findInexact(child, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, marks);
    if (found) return found;
  }
  return undefined;
};

/**
 * JSON.parse that also reports the first number the text wrote but a double cannot hold: `1e400`
 * (Infinity, which JSON then stores as null) or `12345678901234567890` (silently rounded). Such data
 * must be refused, not changed. Throws SyntaxError like JSON.parse.
 */
export const parseJsonWithExactNumbers = (text: string): { value: unknown; inexact?: InexactNumber } => {
  const marks = new Map<object, InexactNumber>();
  // The reviver's third argument (the source text of primitives) is in V8 since 11.4: Node ≥ 21, workerd.
  const value: unknown = JSON.parse(text, (_key, parsed: unknown, context?: { source?: string }) => {
    if (typeof parsed !== 'number' || context?.source === undefined || isExact(context.source, parsed)) return parsed;
    const marker = {};
    marks.set(marker, { source: context.source, parsed, path: '' });
    return marker;
  });
  if (marks.size === 0) return { value };
  return { value, inexact: findInexact(value, '', marks) };
};

/** Index of the quote that closes the string opened at `open`, or text.length (native search, not per character). */
const endOfString = (text: string, open: number): number => {
  for (let quote = text.indexOf('"', open + 1); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return text.length;
};

/**
 * Whether JSON `text` nests objects and arrays more than `maxDepth` levels (`{}` is 1, `[[1]]` is
 * 2), found by scanning brackets outside strings, so it can run before JSON.parse and stops at the
 * first level too deep. Text that is not JSON gets an answer too; JSON.parse still judges it.
 */
export const exceedsJsonDepth = (text: string, maxDepth: number): boolean => {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === QUOTE) i = endOfString(text, i);
    else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) depth--;
  }
  return false;
};
