/**
 * Distribute Lambda entry point: consumes the webhook queue in batches (SQS event source with
 * ReportBatchItemFailures) and delivers one message per send-out, exactly once. Configuration:
 * README.md, "Configuration".
 */
import { createDistributeHandler } from './distributeHandler.ts';

export const handler = createDistributeHandler(process.env);
