import { timingSafeEqual } from 'node:crypto';
import { hmacSha256, hmacSha256Hex } from '../shared/hmacSha256.ts';
import { firstJsonWhitespace, removeJsonWhitespace, removeJsonWhitespaceInPlace } from './removeJsonWhitespace.ts';
import { loadSimdScanner, SCAN_AREA_BYTES, simdScanArea } from './simdJsonWhitespace.ts';

/** Voucherify sends a lowercase hex HMAC-SHA256: exactly 64 hex digits, 32 bytes. */
const SIGNATURE_HEX_LENGTH = 64;
const SIGNATURE_BYTES = 32;

/**
 * The MAC a signature header carries, or undefined when the header is not exactly 64 hex digits
 * (either case). Decoding is most of the check: Node's hex decoder stops at the first pair that is
 * not hex, so only a header made of hex digits yields all 32 bytes. But the decoder reads only the
 * low byte of each UTF-16 unit ('ａ', U+FF41, decodes as 'A'), so the header must also be ASCII:
 * 64 units that encode to 64 UTF-8 bytes.
 */
export function decodeSignature(header: string | undefined): Buffer | undefined {
  if (header === undefined || header.length !== SIGNATURE_HEX_LENGTH) return undefined;
  if (Buffer.byteLength(header, 'utf8') !== SIGNATURE_HEX_LENGTH) return undefined;
  const mac = Buffer.from(header, 'hex');
  return mac.length === SIGNATURE_BYTES ? mac : undefined;
}

export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'mismatch';

/**
 * Checks the `x-voucherify-signature` header against the body's raw bytes, keyed with each active
 * secret (several during a rotation). The raw bytes are tried first because that is what
 * Voucherify sends; then, only if the body has whitespace outside strings, the same bytes with
 * that whitespace removed, which is the form Voucherify's documentation signs. Never a
 * re-serialised parse: that would accept bodies that differ from what was signed.
 *
 * `body` is the raw text (hashed as UTF-8, exactly the bytes received when API Gateway passed them
 * as text) or the decoded bytes of a base64 body. Digests are compared as bytes with
 * `timingSafeEqual`, so the time taken does not reveal how much of a forged signature was right.
 * Hex case is accepted either way: it is the same MAC.
 */
export function verifySignature(
  body: string | Buffer,
  signatureHeader: string | undefined,
  secrets: readonly string[],
): SignatureCheck {
  if (!signatureHeader) return 'missing';
  const expected = decodeSignature(signatureHeader);
  if (!expected) return 'malformed';
  return matchesSignature(body, expected, secrets) ? 'valid' : 'mismatch';
}

/**
 * verifySignature's MAC check for a header already decoded (decodeSignature): the ingest decodes
 * the header before it fetches the secret, and does not decode it twice.
 */
export function matchesSignature(body: string | Buffer, expected: Buffer, secrets: readonly string[]): boolean {

  // A text body is encoded to UTF-8 once, into a buffer this check owns, and both HMACs and the
  // compaction work on those bytes: no second encoding and, usually, no allocation at all.
  const owned = typeof body === 'string';
  const bytes = owned ? utf8Bytes(body) : body;
  if (matchesAnySecret(bytes, expected, secrets)) return true;
  // From the next request on, text bodies are written where the SIMD scan can read them.
  loadSimdScanner();
  const first = firstJsonWhitespace(bytes);
  if (first < 0) return false;
  const compact = owned ? removeJsonWhitespaceInPlace(bytes, first) : removeJsonWhitespace(bytes);
  return matchesAnySecret(compact, expected, secrets);
}

function matchesAnySecret(body: Buffer, expected: Buffer, secrets: readonly string[]): boolean {
  let matched = false;
  // Every secret is tried even after a match, so timing does not reveal which one is current.
  for (const secret of secrets) {
    if (timingSafeEqual(hmacSha256(body, secret), expected)) matched = true;
  }
  return matched;
}

/**
 * The UTF-8 bytes of a text body, written into one buffer reused by every check (the check is
 * synchronous, so no two requests share it at once): the SIMD scanner's scan area once it is
 * loaded, a buffer of the same size until then. A flood of forged requests then produces no
 * garbage here. Bodies too large for it get their own buffer.
 */
let scratchBeforeSimd: Buffer | undefined;

function utf8Bytes(text: string): Buffer {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit, so a text this short always fits whole.
  if (text.length * 3 <= SCAN_AREA_BYTES) {
    const scratch = simdScanArea() ?? (scratchBeforeSimd ??= Buffer.allocUnsafeSlow(SCAN_AREA_BYTES));
    return scratch.subarray(0, scratch.write(text, 0, 'utf8'));
  }
  return Buffer.from(text, 'utf8');
}

/** The header value Voucherify would send for these bytes: used by the local tools and tests. */
export const signatureFor = (body: string | Buffer, secret: string): string => hmacSha256Hex(body, secret);
