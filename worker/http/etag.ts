// Conditional request headers (If-Match, If-None-Match): a list of entity tags, or `*`.

/** The tag without its weak prefix and quotes: `W/"3"` → `3`. */
const opaqueTag = (tag: string): string => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');

/**
 * Whether a conditional header names the current entity tag (quoted or not); `*` names any current
 * entity. `current` undefined means there is none, which nothing matches.
 */
export const entityTagMatches = (header: string, current: string | undefined): boolean => {
  if (current === undefined) return false;
  if (header.trim() === '*') return true;
  const wanted = opaqueTag(current);
  return header.split(',').some((tag) => opaqueTag(tag) === wanted);
};
