// Lowercase hex of bytes: signatures, digests, and the msgpack arguments the edge sends over REST.

/** `bytes` as lowercase hex, two characters per byte. */
export const toHex = (bytes: ArrayBuffer | Uint8Array): string =>
  Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('');
