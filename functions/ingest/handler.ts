/**
 * Ingest Lambda entry point: API Gateway HTTP API (payload 2.0), route POST /webhooks/voucherify.
 * Verifies, validates and enqueues one Voucherify webhook, then answers; the distribute function
 * does the work. Configuration: README.md, "Configuration".
 */
import { createIngestHandler } from './ingestHandler.ts';

export const handler = createIngestHandler(process.env);
