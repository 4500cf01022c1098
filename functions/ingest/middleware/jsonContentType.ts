import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { WebhookRejectedError } from '../errors.ts';

/**
 * Whether a Content-Type is JSON: `application/json` or a `+json` type and, if a charset is named,
 * UTF-8, the only encoding JSON may use between systems (RFC 8259 §8.1). A missing or blank one is
 * accepted: some senders omit it.
 */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.trim() === '') return true;
  const [mediaType = '', ...parameters] = contentType.split(';');
  const type = mediaType.trim().toLowerCase();
  if (type !== 'application/json' && !(type.startsWith('application/') && type.endsWith('+json'))) return false;
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = value.trim().replace(/^"|"$/g, '').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return false;
  }
  return true;
}

/**
 * Refuses a body that says it is not JSON with 415, before the signature is checked: a sender that
 * means something else learns that, and not that its signature is wrong. Reads the lower-case
 * header, so it runs after @middy/http-header-normalizer.
 */
export const jsonContentType = (): MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: function refuseOtherMediaTypes(request) {
    if (!isJsonMediaType(request.event.headers?.['content-type'])) throw new WebhookRejectedError('unsupported_media_type');
  },
});
