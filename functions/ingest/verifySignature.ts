import { timingSafeEqual } from 'node:crypto';
import { hmacSha256, hmacSha256Hex } from '../shared/hmacSha256.ts';
import { removeJsonWhitespace } from './removeJsonWhitespace.ts';

/** The header Voucherify signs its webhooks in (lower case, as API Gateway and Middy's normalizer give it). */
export const SIGNATURE_HEADER = 'x-voucherify-signature';

/** A lowercase hex HMAC-SHA256: exactly 64 hex digits, 32 bytes. Either hex case is the same MAC. */
const SIGNATURE_PATTERN = /^[0-9a-fA-F]{64}$/;

/** The MAC a signature header carries, or undefined when the header is not exactly 64 hex digits. */
export function decodeSignature(header: string | undefined): Buffer | undefined {
  return header !== undefined && SIGNATURE_PATTERN.test(header) ? Buffer.from(header, 'hex') : undefined;
}

export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'mismatch';

/**
 * Whether a signature header is Voucherify's HMAC of the body, keyed with one of the active secrets
 * (several during a rotation). The raw bytes are tried first, because that is what Voucherify sends;
 * then, only if the body has whitespace outside strings, the same bytes with that whitespace removed,
 * which is the form Voucherify's documentation signs. Never a re-serialised parse: that would accept
 * bodies that differ from what was signed.
 *
 * Digests are compared with timingSafeEqual, so the time taken does not reveal how much of a forged
 * signature was right, and every secret is tried even after a match, so it does not reveal which
 * secret is current either.
 */
export function verifySignature(body: Buffer, signatureHeader: string | undefined, secrets: readonly string[]): SignatureCheck {
  if (!signatureHeader) return 'missing';
  const expected = decodeSignature(signatureHeader);
  if (!expected) return 'malformed';
  if (matchesAnySecret(body, expected, secrets)) return 'valid';
  const compact = removeJsonWhitespace(body);
  return compact !== body && matchesAnySecret(compact, expected, secrets) ? 'valid' : 'mismatch';
}

function matchesAnySecret(body: Buffer, expected: Buffer, secrets: readonly string[]): boolean {
  let matched = false;
  for (const secret of secrets) {
    if (timingSafeEqual(hmacSha256(body, secret), expected)) matched = true;
  }
  return matched;
}

/** The header value Voucherify would send for these bytes: used by the local tools and tests. */
export const signatureFor = (body: string | Buffer, secret: string): string => hmacSha256Hex(body, secret);
