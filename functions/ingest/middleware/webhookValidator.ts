import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseWebhook } from '../../shared/webhookContract.ts';
import { WebhookRejectedError } from '../errors.ts';

const isJsonObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates the parsed body against the shared valibot contract (functions/shared/webhookContract.ts)
 * and replaces it with the validated webhook: 400 when the top level is not an object, 422 with the
 * paths of the fields at fault when the contract refuses it. Another event type in a valid envelope
 * passes, for the handler to acknowledge.
 */
export const webhookValidator = (): MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: function validateWebhook(request) {
    const event = request.event as { body: unknown };
    if (!isJsonObject(event.body)) throw new WebhookRejectedError('malformed_json');
    const parsed = parseWebhook(event.body);
    if (parsed.outcome === 'invalid') throw new WebhookRejectedError('invalid_payload', parsed.issues);
    event.body = parsed;
  },
});
