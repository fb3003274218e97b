// Reads a request or response body as UTF-8 text with a size cap. A declared Content-Length over the
// cap is refused before reading; the cap is also enforced while streaming (the header can lie or be
// absent), so an oversized body costs at most `limitBytes` of memory.

export interface ReadTextOptions {
  /**
   * Throw a TypeError on bytes that are not UTF-8 instead of reading them as U+FFFD: a request body
   * must arrive exactly as sent (a feature's answer is only read, so it stays lenient).
   */
  fatal?: boolean;
}

/** The text, or undefined when the body is larger than `limitBytes` (the rest is cancelled). */
export const readLimitedText = async (
  message: Pick<Request, 'headers' | 'body'>,
  limitBytes: number,
  { fatal = false }: ReadTextOptions = {},
): Promise<string | undefined> => {
  const declared = Number(message.headers.get('Content-Length'));
  if (Number.isFinite(declared) && declared > limitBytes) {
    await message.body?.cancel();
    return undefined;
  }
  if (!message.body) return '';
  const reader = message.body.getReader();
  const decoder = new TextDecoder('utf-8', { fatal, ignoreBOM: false });
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
