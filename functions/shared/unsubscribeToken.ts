/**
 * The token in a customer's unsubscribe link: the customer's id and an HMAC-SHA256 over it, keyed
 * with the unsubscribe secret, so a link cannot be made for another customer nor altered. It is
 * the only thing in the URL: no address or name ever reaches a link that may be logged or shared.
 */
import { timingSafeEqual } from 'node:crypto';
import { hmacSha256 } from './hmacSha256.ts';

/** Versioned and purpose-bound, so a MAC made for anything else with the same key never verifies. */
const PURPOSE = 'voucherify-webhook/unsubscribe/v1:';
const MAX_CUSTOMER_ID_LENGTH = 256;

const macOf = (customerId: string, secret: string): Buffer => hmacSha256(PURPOSE + customerId, secret);

export function unsubscribeToken(customerId: string, secret: string): string {
  return `${Buffer.from(customerId, 'utf8').toString('base64url')}.${macOf(customerId, secret).toString('base64url')}`;
}

/**
 * The customer id a token was made for, or undefined when it was not made with one of the secrets
 * (several during a rotation, each tried, compared in constant time).
 */
export function verifyUnsubscribeToken(token: string, secrets: readonly string[]): string | undefined {
  const [encodedId = '', encodedMac = '', ...rest] = token.split('.');
  if (rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(encodedId) || !/^[A-Za-z0-9_-]{43}$/.test(encodedMac)) return undefined;
  const customerId = Buffer.from(encodedId, 'base64url').toString('utf8');
  if (customerId.length === 0 || customerId.length > MAX_CUSTOMER_ID_LENGTH || !customerId.isWellFormed()) return undefined;
  if (Buffer.from(customerId, 'utf8').toString('base64url') !== encodedId) return undefined;
  const given = Buffer.from(encodedMac, 'base64url');
  let valid = false;
  for (const secret of secrets) {
    if (timingSafeEqual(macOf(customerId, secret), given)) valid = true;
  }
  return valid ? customerId : undefined;
}

/** The link a message carries: the unsubscribe page of the same HTTP API, with the token as its one parameter. */
export function unsubscribeUrl(baseUrl: string, customerId: string, secret: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('token', unsubscribeToken(customerId, secret));
  return url.toString();
}
