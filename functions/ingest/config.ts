import { type Environment, readInteger, readOptionalString, readRequiredString } from '../shared/env.ts';

/** Every setting of the ingest function; README.md's configuration table documents each variable. */
export interface IngestConfig {
  /** SQS queue the accepted webhooks go to. */
  readonly queueUrl: string;
  /** Comma-separated signing secrets given directly (local runs). Wins over the ARN when both are set. */
  readonly secretValue: string | undefined;
  /** Secrets Manager secret holding the comma-separated signing secrets (AWS). */
  readonly secretArn: string | undefined;
  /** How long a secret fetched from Secrets Manager is used before it is fetched again. */
  readonly secretCacheTtlSeconds: number;
  /** Bodies larger than this are refused with 413; the default keeps a message within SQS's limit. */
  readonly maxBodyBytes: number;
  /** Refuse envelopes whose `created_at` is older than this; 0 turns the replay guard off. */
  readonly maxEventAgeSeconds: number;
  /** Upper bound on the whole enqueue, retries included, so Voucherify gets an answer within its 10 s. */
  readonly enqueueTimeoutMs: number;
}

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
/**
 * SQS's largest message is 1 MiB, attributes included; the ingest's attributes take under 2 KiB
 * (ids are at most 256 characters), and the stack sizes the queue at MAX_BODY_BYTES + 16 KiB.
 */
export const MAX_MAX_BODY_BYTES = 1024 * 1024 - 16 * 1024;

export function loadIngestConfig(env: Environment): IngestConfig {
  return {
    queueUrl: readRequiredString(env, 'QUEUE_URL'),
    secretValue: readOptionalString(env, 'VOUCHERIFY_WEBHOOK_SECRET'),
    secretArn: readOptionalString(env, 'VOUCHERIFY_WEBHOOK_SECRET_ARN'),
    secretCacheTtlSeconds: readInteger(env, 'SECRET_CACHE_TTL_SECONDS', 300, { min: 0, max: 86_400 }),
    maxBodyBytes: readInteger(env, 'MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, { min: 1024, max: MAX_MAX_BODY_BYTES }),
    maxEventAgeSeconds: readInteger(env, 'MAX_EVENT_AGE_SECONDS', 0, { min: 0, max: 60 * 86_400 }),
    enqueueTimeoutMs: readInteger(env, 'ENQUEUE_TIMEOUT_MS', 4000, { min: 100, max: 9000 }),
  };
}
