// Lowercase hex of bytes: signatures, digests, and the msgpack arguments the edge sends over REST.

/** Every byte's two characters, looked up rather than formatted: signatures and trace ids are made per job. */
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** `bytes` as lowercase hex, two characters per byte. */
export const toHex = (bytes: ArrayBuffer | Uint8Array): string => {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let hex = '';
  for (let i = 0; i < view.length; i++) hex += BYTE_HEX[view[i]];
  return hex;
};
