/**
 * How the stack names its two functions, kept apart from the stack so tools (the events generator,
 * the local invoker) can import it without loading aws-cdk-lib.
 */

/** Template logical ids, pinned: `sam local invoke … <LogicalId>` and events/env.json rely on them. */
export const FUNCTION_LOGICAL_IDS = { ingest: 'IngestFunction', distribute: 'DistributeFunction' } as const;

/** POWERTOOLS_SERVICE_NAME of each function: the `service` dimension the alarms select on. */
export const SERVICE_NAMES = { ingest: 'voucherify-webhook-ingest', distribute: 'voucherify-webhook-distribute' } as const;
