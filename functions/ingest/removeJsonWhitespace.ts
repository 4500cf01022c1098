const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isJsonWhitespace = (byte: number): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * The body with every JSON whitespace byte outside string literals removed: the "compact" form
 * that Voucherify's documentation signs. Works on bytes, never on a parse, so the result is
 * exactly what a sender that stripped whitespace would have signed. Returns the input itself
 * when there is nothing to remove, which lets the caller skip a second HMAC.
 *
 * On a body that is not valid JSON the result is meaningless but harmless: it can only match a
 * signature over bytes that, parsed, fail the same way.
 */
export function removeJsonWhitespace(body: Buffer): Buffer {
  const length = body.length;
  let index = 0;
  // Scan without copying until the first whitespace outside a string: bodies that are already
  // compact (what Voucherify sends) never allocate.
  while (index < length) {
    const byte = body[index]!;
    if (byte === QUOTE) {
      index = endOfString(body, index + 1);
    } else if (isJsonWhitespace(byte)) {
      break;
    } else {
      index++;
    }
  }
  if (index >= length) return body;

  const compact = Buffer.allocUnsafe(length);
  body.copy(compact, 0, 0, index);
  let written = index;
  while (index < length) {
    const byte = body[index++]!;
    if (byte === QUOTE) {
      const end = endOfString(body, index);
      compact[written++] = QUOTE;
      body.copy(compact, written, index, end);
      written += end - index;
      index = end;
    } else if (!isJsonWhitespace(byte)) {
      compact[written++] = byte;
    }
  }
  return compact.subarray(0, written);
}

/** Index just past the closing quote of the string whose content starts at `start`. */
function endOfString(body: Buffer, start: number): number {
  let index = start;
  while (index < body.length) {
    const byte = body[index++]!;
    if (byte === QUOTE) return index;
    if (byte === BACKSLASH) index++;
  }
  return body.length;
}
