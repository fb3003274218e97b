// One reading of If-Match / If-None-Match for the admin routes' versions and the bridge's poll.
import { describe, expect, it } from 'vitest';
import { entityTagMatches } from '../../worker/http/etag.ts';

describe('entityTagMatches', () => {
  it.each([
    ['"3"', '"3"', true],
    ['3', '"3"', true],
    ['W/"3"', '"3"', true],
    ['"1", W/"3" ,"4"', '"3"', true],
    ['*', '"3"', true],
    ['"31"', '"3"', false],
    ['"3', '"3"', false],
    ['', '"3"', false],
  ])('%s against %s → %s', (header, current, expected) => {
    expect(entityTagMatches(header, current)).toBe(expected);
  });

  it('matches nothing, not even *, when there is no current entity', () => {
    expect(entityTagMatches('*', undefined)).toBe(false);
    expect(entityTagMatches('"1"', undefined)).toBe(false);
  });
});
