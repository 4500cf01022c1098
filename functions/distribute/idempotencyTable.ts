/**
 * The idempotency table's definition, shared by the CDK stack (lib/) and the local DynamoDB
 * set-up (local/localDynamo.ts) so both create the same table. Kept free of SDK imports so the
 * stack can import it cheaply.
 */
export const IDEMPOTENCY_TABLE = {
  /** Partition key, a string: the envelope `id` (`whs_…`) of the send-out. No sort key. */
  partitionKey: 'pk',
  /** Epoch seconds after which DynamoDB's TTL may delete the record; enable TTL on this attribute. */
  timeToLiveAttribute: 'expires_at',
} as const;
