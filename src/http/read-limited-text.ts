// Reads a request or response body as UTF-8 text with a size cap. A declared Content-Length over the
// cap is refused before reading; a body without one is capped while streaming, so it costs at most
// `limitBytes` of memory.

export interface ReadTextOptions {
  /**
   * Throw a TypeError on bytes that are not UTF-8 instead of reading them as U+FFFD: a request body
   * must arrive exactly as sent (a feature's answer is only read, so it stays lenient).
   */
  fatal?: boolean;
}

/** The text, or undefined when the body is larger than `limitBytes` (the rest is cancelled). */
export const readLimitedText = async (
  message: Pick<Request, 'headers' | 'body' | 'arrayBuffer'>,
  limitBytes: number,
  { fatal = false }: ReadTextOptions = {},
): Promise<string | undefined> => {
  const header = message.headers.get('Content-Length');
  const declared = header === null ? Number.NaN : Number(header);
  if (Number.isFinite(declared) && declared > limitBytes) {
    await message.body?.cancel();
    return undefined;
  }
  if (!message.body) return '';
  const decoder = new TextDecoder('utf-8', { fatal, ignoreBOM: false });
  if (Number.isFinite(declared)) {
    // On the wire a body is framed by its declared length, so it is read in one call, not chunk by
    // chunk; a body made in-process can still lie about it, and is refused after reading then.
    const bytes = await message.arrayBuffer();
    return bytes.byteLength > limitBytes ? undefined : decoder.decode(bytes);
  }
  const reader = message.body.getReader();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel();
      return undefined;
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
};
