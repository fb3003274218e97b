// Bounds for text that is stored or shown (error messages, log fields): a feature answering a
// megabyte of error must not become a megabyte in Redis, in /internal/status and in every log line.

const encoder = new TextEncoder();
const ELLIPSIS = '…';

/** `text` cut to at most `maxBytes` of UTF-8 (an ellipsis marks the cut), never inside a character. */
export const truncateUtf8 = (text: string, maxBytes: number): string => {
  // Three bytes per UTF-16 unit is the most UTF-8 needs, so short text skips the encoding.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = encoder.encode(text);
  if (bytes.byteLength <= maxBytes) return text;
  let end = Math.max(0, maxBytes - encoder.encode(ELLIPSIS).byteLength);
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return `${new TextDecoder().decode(bytes.subarray(0, end))}${ELLIPSIS}`;
};
