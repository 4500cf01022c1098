const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** JSON's four whitespace bytes: space, line feed, carriage return, tab. */
const isJsonWhitespace = (byte: number): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * The body with every JSON whitespace byte outside string literals removed: the "compact" form
 * that Voucherify's documentation signs. Works on bytes, never on a parse, so the result is exactly
 * what a sender that stripped whitespace would have signed. Returns the input itself when there is
 * nothing to remove, which tells the caller a second HMAC would be pointless.
 *
 * On a body that is not valid JSON the result is meaningless but harmless: it can only match a
 * signature over bytes that, parsed, fail the same way.
 */
export function removeJsonWhitespace(body: Buffer): Buffer {
  const compact = Buffer.allocUnsafe(body.length);
  let written = 0;
  let inString = false;
  let escaped = false;
  for (let index = 0; index < body.length; index++) {
    const byte = body[index]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === BACKSLASH) escaped = true;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (isJsonWhitespace(byte)) {
      continue;
    }
    compact[written++] = byte;
  }
  return written === body.length ? body : compact.subarray(0, written);
}
