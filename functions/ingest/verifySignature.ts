import { createHmac, timingSafeEqual } from 'node:crypto';
import { removeJsonWhitespace } from './removeJsonWhitespace.ts';

/** Voucherify sends a lowercase hex HMAC-SHA256: exactly 64 hex digits. */
const SIGNATURE_PATTERN = /^[0-9a-fA-F]{64}$/;

export const isWellFormedSignature = (header: string | undefined): header is string =>
  header !== undefined && header.length === 64 && SIGNATURE_PATTERN.test(header);

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
  if (!isWellFormedSignature(signatureHeader)) return 'malformed';
  const expected = Buffer.from(signatureHeader, 'hex');

  if (matchesAnySecret(body, expected, secrets)) return 'valid';
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const compact = removeJsonWhitespace(bytes);
  if (compact !== bytes && matchesAnySecret(compact, expected, secrets)) return 'valid';
  return 'mismatch';
}

function matchesAnySecret(body: string | Buffer, expected: Buffer, secrets: readonly string[]): boolean {
  let matched = false;
  // Every secret is tried even after a match, so timing does not reveal which one is current.
  for (const secret of secrets) {
    if (timingSafeEqual(hmacSha256(body, secret), expected)) matched = true;
  }
  return matched;
}

const hmacSha256 = (body: string | Buffer, secret: string): Buffer => createHmac('sha256', secret).update(body).digest();

/** The header value Voucherify would send for these bytes: used by the local tools and tests. */
export function signatureFor(body: string | Buffer, secret: string): string {
  return hmacSha256(body, secret).toString('hex');
}
