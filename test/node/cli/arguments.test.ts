// The CLI's flag parsers: `--rate-limit <max/window>` takes the edge's bounds and refuses anything
// else with a message that says what it wants, before anything is sent.

import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseRateLimit } from '../../../src/cli/arguments.ts';

describe('parseRateLimit', () => {
  it('reads max/window with any duration unit, at the bounds too', () => {
    expect(parseRateLimit('100/1s')).toEqual({ max: 100, perMs: 1_000 });
    expect(parseRateLimit(' 5/250ms ')).toEqual({ max: 5, perMs: 250 });
    expect(parseRateLimit('1/100ms')).toEqual({ max: 1, perMs: 100 });
    expect(parseRateLimit('10000/24h')).toEqual({ max: 10_000, perMs: 86_400_000 });
    expect(parseRateLimit('30/1.5m')).toEqual({ max: 30, perMs: 90_000 });
  });

  it.each([
    ['100', /must be <max>\/<window>.*such as 100\/1s/],
    ['100/', /must be <max>\/<window>/],
    ['/1s', /must be <max>\/<window>/],
    ['1.5/1s', /must be <max>\/<window>/],
    ['-1/1s', /must be <max>\/<window>/],
    ['10/1x', /must be <max>\/<window>/],
    ['1/1s/1', /must be <max>\/<window>/],
    ['0/1s', /^max must be 1 to 10000 starts\.$/],
    ['10001/1s', /^max must be 1 to 10000 starts\.$/],
    ['5/99ms', /^the window must be 100ms to 24h\.$/],
    ['5/2d', /^the window must be 100ms to 24h\.$/],
  ])('refuses %j saying what it wants', (value, message) => {
    expect(() => parseRateLimit(value)).toThrow(InvalidArgumentError);
    expect(() => parseRateLimit(value)).toThrow(message);
  });
});
