import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../src/json.ts';

/** The nesting of `text` as exceedsJsonDepth sees it: the first limit it does not exceed. */
const depthOf = (text: string): number => {
  let depth = 0;
  while (exceedsJsonDepth(text, depth)) depth++;
  return depth;
};

describe('exceedsJsonDepth', () => {
  it.each([
    ['1', 0],
    ['"text"', 0],
    ['{}', 1],
    ['[[1]]', 2],
    ['{"a":[{"b":[]}],"c":{}}', 4],
    ['{"a":"[[[{{{"}', 1],
    ['{"a":"\\"[[[","b":[1]}', 2], // an escaped quote does not end the string
    ['{"a":"\\\\","b":[[1]]}', 3], // an escaped backslash does not escape the quote after it
    ['["\\\\\\"[[["]', 1],
  ])('sees %s as %i deep, counting brackets outside strings only', (text, depth) => {
    expect(JSON.parse(text)).toBeDefined();
    expect(depthOf(text)).toBe(depth);
  });

  it('answers for 30,000 levels without parsing them, and accepts data exactly MAX_JSON_DEPTH deep', () => {
    expect(exceedsJsonDepth('['.repeat(30_000) + ']'.repeat(30_000), MAX_JSON_DEPTH)).toBe(true);
    const deepest = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(exceedsJsonDepth(deepest, MAX_JSON_DEPTH)).toBe(false);
    expect(exceedsJsonDepth(`[${deepest}]`, MAX_JSON_DEPTH)).toBe(true);
  });

  it('does not hang on text that is not JSON (an unterminated string)', () => {
    expect(exceedsJsonDepth('{"a":"[[[[', 1)).toBe(false);
  });
});
