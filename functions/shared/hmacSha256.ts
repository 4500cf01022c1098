import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 of some bytes: the MAC Voucherify signs its webhooks with, and the one the
 * distribute function signs its own forwarded messages with. One definition for both.
 */
export const hmacSha256 = (bytes: Buffer | string, secret: string): Buffer => createHmac('sha256', secret).update(bytes).digest();

/** The lowercase hex form, as sent in signature headers. */
export const hmacSha256Hex = (bytes: Buffer | string, secret: string): string => hmacSha256(bytes, secret).toString('hex');
