/**
 * Template logical ids of the two functions, pinned: `sam local invoke … <LogicalId>` and
 * events/env.json rely on them. Kept apart from the stack so tools (the events generator, the local
 * invoker) can import it without loading aws-cdk-lib.
 */
export const FUNCTION_LOGICAL_IDS = {
  ingest: 'IngestFunction',
  distribute: 'DistributeFunction',
  unsubscribe: 'UnsubscribeFunction',
} as const;
