/**
 * Unsubscribe Lambda entry point: API Gateway HTTP API (payload 2.0), routes GET and POST
 * /unsubscribe. Configuration: README.md, "Configuration".
 */
import { createUnsubscribeHandler } from './unsubscribeHandler.ts';

export const handler = createUnsubscribeHandler(process.env);
