/**
 * The unsubscribe table's definition, shared by the stack (lib/), the functions and the local
 * DynamoDB set-up. Kept free of SDK imports so the stack can import it cheaply.
 */
export const UNSUBSCRIBE_TABLE = {
  /** Partition key, a string: the Voucherify customer id (`cust_…`). No sort key, no TTL: kept until removed by hand. */
  partitionKey: 'customer_id',
} as const;
