import { isUtf8 } from 'node:buffer';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { WebhookRejectedError } from '../errors.ts';
import type { SigningSecrets } from '../signingSecrets.ts';
import type { VerifiedEvent } from '../types.ts';
import { decodeSignature, SIGNATURE_HEADER, verifySignature } from '../verifySignature.ts';

/**
 * Checks `x-voucherify-signature` over the raw body before anything parses it (401 when it is not
 * Voucherify's), then hands the verified text on: as `event.body` for @middy/http-json-body-parser,
 * and as `event.rawBody`, which is what gets enqueued, so the worker reads exactly the bytes that
 * were signed. A base64 body is verified over its decoded bytes, and must be UTF-8 text (400) since
 * the queue carries text. Reads the lower-case header, so it runs after @middy/http-header-normalizer.
 */
export const voucherifySignature = (options: { readonly secrets: SigningSecrets }): MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: async function verifyVoucherifySignature(request) {
    const event = request.event as VerifiedEvent;
    const header = event.headers?.[SIGNATURE_HEADER];
    // A request without a usable signature is refused before the secret is even fetched.
    if (!decodeSignature(header)) throw new WebhookRejectedError('invalid_signature');
    const bytes = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    if (verifySignature(bytes, header, await options.secrets.current()) !== 'valid') throw new WebhookRejectedError('invalid_signature');

    // Text is re-encoded only if it was base64 or holds lone surrogates, which UTF-8 cannot carry as signed.
    if (event.isBase64Encoded ? !isUtf8(bytes) : !(event.body ?? '').isWellFormed()) throw new WebhookRejectedError('malformed_json');
    const text = event.isBase64Encoded ? bytes.toString('utf8') : (event.body ?? '');
    event.body = text;
    event.isBase64Encoded = false;
    event.rawBody = text;
  },
});
