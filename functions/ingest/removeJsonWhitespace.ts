import { simdFirstJsonWhitespace, simdRemoveJsonWhitespaceInPlace } from './simdJsonWhitespace.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** JSON's four whitespace bytes: space, line feed, carriage return, tab. */
const isJsonWhitespace = (byte: number): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * Where the first JSON whitespace byte outside string literals is, or -1 when there is none (the
 * body is already compact). Runs for every request whose raw signature did not match, so it sits on
 * the path of every forged request: bytes in the SIMD scanner's memory are scanned there
 * (simdJsonWhitespace.ts), any others by the plain loop below.
 */
export const firstJsonWhitespace = (body: Uint8Array): number =>
  simdFirstJsonWhitespace(body) ?? firstJsonWhitespaceByteByByte(body);

/**
 * firstJsonWhitespace as a plain byte loop, with an inner loop per string literal (measured 2×
 * faster than one loop with an in-string flag), and no allocation. Also the reference the SIMD
 * scanner is tested against.
 */
export function firstJsonWhitespaceByteByByte(body: Uint8Array): number {
  const length = body.length;
  let index = 0;
  while (index < length) {
    const byte = body[index]!;
    // Outside strings almost every byte is punctuation, a digit or a letter: one comparison
    // rules out all four whitespace bytes (all ≤ 0x20) before the quote is looked for.
    if (byte > 0x20) {
      if (byte === QUOTE) {
        index++;
        while (index < length) {
          const inner = body[index++]!;
          if (inner === QUOTE) break;
          if (inner === BACKSLASH) index++;
        }
      } else {
        index++;
      }
    } else if (isJsonWhitespace(byte)) {
      return index;
    } else {
      index++;
    }
  }
  return -1;
}

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
  const first = firstJsonWhitespace(body);
  if (first < 0) return body;
  const compact = Buffer.allocUnsafe(body.length);
  body.copy(compact, 0, 0, first);
  return compactInto(body, compact, first);
}

/**
 * removeJsonWhitespace for a buffer the caller owns and will not use again (the signature check's
 * own copy of a text body): compacts it in place, with no allocation. Safe because the compact form
 * is never longer than what has been read: each byte is written at or before where it was read.
 * Bytes in the SIMD scanner's memory are compacted there (simdJsonWhitespace.ts).
 */
export function removeJsonWhitespaceInPlace(body: Buffer, first: number = firstJsonWhitespace(body)): Buffer {
  if (first < 0) return body;
  return simdRemoveJsonWhitespaceInPlace(body, first) ?? compactInto(body, body, first);
}

/** removeJsonWhitespaceInPlace as a plain byte loop: the reference the SIMD compaction is tested against. */
export function removeJsonWhitespaceInPlaceByteByByte(body: Buffer): Buffer {
  const first = firstJsonWhitespaceByteByByte(body);
  return first < 0 ? body : compactInto(body, body, first);
}

/** Copies `source` from `first` (a whitespace byte outside strings) into `target` without that whitespace. */
function compactInto(source: Buffer, target: Buffer, first: number): Buffer {
  const length = source.length;
  let index = first;
  let written = first;
  while (index < length) {
    const byte = source[index++]!;
    if (byte === QUOTE) {
      target[written++] = byte;
      while (index < length) {
        const inner = source[index++]!;
        target[written++] = inner;
        if (inner === QUOTE) break;
        if (inner === BACKSLASH && index < length) target[written++] = source[index++]!;
      }
    } else if (!isJsonWhitespace(byte)) {
      target[written++] = byte;
    }
  }
  return target.subarray(0, written);
}
