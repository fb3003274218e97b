// Zod's issues as the API's field errors: one entry per field, named by its path, unknown keys
// first in their object, and a union's error from the branch the input's type chose.

import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { checkWith } from '../../../src/schema/field-errors.ts';
import { integerIn, strictObject } from '../../../src/schema/rules.ts';

const schema = strictObject({
  count: integerIn({ min: 1, max: 10 }).optional(),
  nested: strictObject({ list: z.array(z.enum(['a', 'b'], { error: 'must be a or b' })).optional(), size: integerIn({ min: 0, max: 5 }).optional() }).optional(),
  either: z.union([integerIn({ min: 0, max: 9 }), strictObject({ kind: z.enum(['x'], { error: 'must be x' }) })], { error: 'must be a digit or { kind }' }).optional(),
});

const fields = (input: unknown, prefix?: string) => {
  const result = checkWith(schema, input, prefix);
  return result.ok ? [] : result.errors;
};

describe('checkWith', () => {
  it('answers the parsed value when every field is good', () => {
    expect(checkWith(schema, { count: 3, nested: { list: ['a'] }, either: 4 })).toEqual({ ok: true, value: { count: 3, nested: { list: ['a'] }, either: 4 } });
  });

  it('names each bad field once, by its path, unknown keys first in their object', () => {
    expect(fields({ count: -0.5, nested: { size: 9, list: ['a', 'c'], typo: 1 }, extra: true })).toEqual([
      { field: 'extra', message: 'is not a known field' },
      { field: 'count', message: 'must be an integer' },
      { field: 'nested.typo', message: 'is not a known field' },
      { field: 'nested.list[1]', message: 'must be a or b' },
      { field: 'nested.size', message: 'must be between 0 and 5' },
    ]);
  });

  it("reports a union's error from the branch the input's type chose, or the union's own message", () => {
    expect(fields({ either: 12 })).toEqual([{ field: 'either', message: 'must be between 0 and 9' }]);
    expect(fields({ either: { kind: 'y', more: 1 } })).toEqual([
      { field: 'either.more', message: 'is not a known field' },
      { field: 'either.kind', message: 'must be x' },
    ]);
    expect(fields({ either: 'x' })).toEqual([{ field: 'either', message: 'must be a digit or { kind }' }]);
  });

  it("names the whole input `body`, or the prefix, when it is not an object", () => {
    expect(fields([])).toEqual([{ field: 'body', message: 'must be an object' }]);
    expect(fields(7, 'opts')).toEqual([{ field: 'opts', message: 'must be an object' }]);
    expect(fields({ count: 0 }, 'opts')).toEqual([{ field: 'opts.count', message: 'must be between 1 and 10' }]);
  });
});
