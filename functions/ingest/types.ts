import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { ParsedWebhook } from '../shared/webhookContract.ts';

/** A webhook the contract accepts: a `customer.segment.entered` send-out, or another event to acknowledge. */
export type ValidWebhook = Exclude<ParsedWebhook, { outcome: 'invalid' }>;

/** The API Gateway event once the signature has been checked (middleware/voucherifySignature.ts). */
export type VerifiedEvent = APIGatewayProxyEventV2 & {
  /** The body exactly as verified (decoded when API Gateway passed it base64): what is enqueued. */
  rawBody: string;
};

/** The event as the handler sees it: verified, parsed and validated (middleware/webhookValidator.ts). */
export type ValidatedEvent = Omit<VerifiedEvent, 'body'> & { body: ValidWebhook };

export type IngestHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
