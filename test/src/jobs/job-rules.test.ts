// The rules every producer and the bridge apply to a job before it may travel (ARCHITECTURE
// "Poison jobs"), and the bounds on stored text. Runs in workerd; the Node side shares the code.

import { describe, expect, it } from 'vitest';
import { dispatchProblem } from '../../../src/jobs/dispatchable.ts';
import { serialiseJobData } from '../../../src/jobs/job-data.ts';
import { BULLMQ_KEY_NAMES, customJobIdProblem, dispatchableJobIdProblem } from '../../../src/jobs/job-id.ts';
import { MAX_JOB_DATA_BYTES } from '../../../src/jobs/limits.ts';
import { parseJsonWithExactNumbers } from '../../../src/json.ts';
import { truncateUtf8 } from '../../../src/text.ts';

const nested = (levels: number): unknown => {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
};

describe('job ids', () => {
  it.each([...BULLMQ_KEY_NAMES])("refuses BullMQ's own key name '%s'", (id) => {
    expect(dispatchableJobIdProblem(id)).toMatch(/BullMQ's own key names/);
    expect(customJobIdProblem(id)).toMatch(/BullMQ's own key names/);
  });

  it.each([
    ['empty', '', /non-empty/],
    ['300 characters', 'x'.repeat(300), /at most 256 characters/],
    ['NUL', 'a\u0000b', /printable/],
    ['CR/LF', 'a\r\nb', /printable/],
    ['non-ASCII', 'commande-é', /printable/],
    ['not a string', 42, /non-empty string/],
  ])('refuses an id that is %s', (_case, id, message) => {
    expect(dispatchableJobIdProblem(id)).toMatch(message);
  });

  it("dispatches BullMQ's generated and repeat ids, but producers may not choose them", () => {
    for (const id of ['1', '4711', 'repeat:nightly:1764000000000', 'order-17', 'a'.repeat(256), 'Wait']) expect(dispatchableJobIdProblem(id)).toBeUndefined();
    expect(customJobIdProblem('4711')).toMatch(/integer/);
    expect(customJobIdProblem('repeat:nightly:1764000000000')).toMatch(/':'/);
    expect(customJobIdProblem('order-17')).toBeUndefined();
  });
});

describe('job data', () => {
  it('takes 64 levels of nesting and refuses 65, without recursing into a 5,377-level value', () => {
    expect(serialiseJobData(nested(64))).toMatchObject({ ok: true });
    expect(serialiseJobData(nested(65))).toMatchObject({ ok: false, reason: 'too_deep' });
    expect(serialiseJobData(nested(5_377))).toMatchObject({ ok: false, reason: 'too_deep', message: 'must be nested at most 64 levels deep' });
  });

  it('refuses numbers JSON would change, naming where they are', () => {
    expect(serialiseJobData({ amounts: [1, Number.NaN] })).toEqual({
      ok: false,
      reason: 'inexact_number',
      message: 'holds NaN at data.amounts[1], which JSON cannot carry (it would become null)',
    });
    expect(serialiseJobData({ 'a b': Number.NEGATIVE_INFINITY })).toMatchObject({ reason: 'inexact_number', message: expect.stringContaining('at data["a b"]') });
  });

  it('refuses cycles and BigInts as unserialisable, and data over the dispatch limit as too large', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = { back: cycle };
    expect(serialiseJobData(cycle)).toMatchObject({ ok: false, reason: 'unserialisable', message: 'refers to itself at data.self.back (a cycle)' });
    expect(serialiseJobData({ n: 1n })).toMatchObject({ ok: false, reason: 'unserialisable' });
    expect(serialiseJobData('x'.repeat(MAX_JOB_DATA_BYTES))).toMatchObject({ ok: false, reason: 'too_large' });
    // The same value twice is not a cycle.
    const shared = { id: 1 };
    expect(serialiseJobData({ a: shared, b: shared })).toEqual({ ok: true, json: '{"a":{"id":1},"b":{"id":1}}' });
  });

  it('dispatchProblem names the field and the rule', async () => {
    const unread = async () => {
      throw new Error('the stored text is read only when a number may have been rounded');
    };
    expect(await dispatchProblem({ jobId: 'wait', data: {} }, unread)).toMatch(/^jobId must not be one of BullMQ's own key names/);
    expect(await dispatchProblem({ jobId: '7', data: nested(100) }, unread)).toBe('data must be nested at most 64 levels deep');
    expect(await dispatchProblem({ jobId: '7', data: { to: 'ada', n: 9007199254740991 } }, unread)).toBeUndefined();
  });

  it('a number beyond 2^53 sends dispatchProblem to the stored text, which tells a rounded one from an exact one', async () => {
    const stored = (text: string) => async () => text;
    // Another language's BullMQ wrote the digits; JSON.parse here already rounded them.
    expect(await dispatchProblem({ jobId: '7', data: { id: 12345678901234567000 } }, stored('{"id":12345678901234567890}'))).toBe(
      'data holds the number 12345678901234567890 at data.id, which JSON cannot carry exactly (it would become 12345678901234567000); send it as a string',
    );
    expect(await dispatchProblem({ jobId: '7', data: { big: 2 ** 60 } }, stored(`{"big":${2 ** 60}}`))).toBeUndefined();
  });
});

describe('numbers in JSON text', () => {
  it.each([
    ['{"amount":12345678901234567890}', '.amount', '12345678901234567890'],
    ['{"b":[1,{"c":1e400}]}', '.b[1].c', '1e400'],
    ['{"tiny":1e-400}', '.tiny', '1e-400'],
    ['{"id":9007199254740993}', '.id', '9007199254740993'],
  ])('%s: the number that would change is found where it stands', (text, path, source) => {
    expect(parseJsonWithExactNumbers(text).inexact).toMatchObject({ path, source });
  });

  it('keeps every number a double carries as written, however it is spelt', () => {
    const text = '[0.1, 1.0, 1e2, -0, 1E21, 9007199254740991, -1.5e-7, 0.000001, 123.456]';
    expect(parseJsonWithExactNumbers(text)).toEqual({ value: JSON.parse(text) });
  });
});

describe('truncateUtf8', () => {
  it('keeps short text, and cuts long text to the byte limit on a character boundary', () => {
    expect(truncateUtf8('short', 1024)).toBe('short');
    const cut = truncateUtf8('é'.repeat(1000), 1024);
    expect(new TextEncoder().encode(cut).byteLength).toBeLessThanOrEqual(1024);
    expect(cut).toMatch(/^é+…$/);
    expect(new TextEncoder().encode(truncateUtf8('E'.repeat(1_000_000), 1024)).byteLength).toBeLessThanOrEqual(1024);
  });
});
