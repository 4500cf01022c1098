import {
  ConfigurationError,
  DELIVERY_CHANNELS,
  type DeliveryChannelName,
  type Environment,
  readOptionalSetting,
  readSetting,
  DISTRIBUTE_SETTINGS as SETTINGS,
  SHARED_SETTINGS,
} from '../shared/settings.ts';

export { DELIVERY_CHANNELS, type DeliveryChannelName };

export interface SesChannelConfig {
  readonly channel: 'ses';
  readonly fromAddress: string;
  readonly configurationSet: string | undefined;
}

export interface HttpChannelConfig {
  readonly channel: 'http';
  readonly forwardUrl: URL;
  /** Given directly (local runs; wins when both are set), or a Secrets Manager secret (AWS). */
  readonly signingSecret: { readonly value: string } | { readonly arn: string; readonly cacheTtlSeconds: number };
}

export interface OutboxChannelConfig {
  readonly channel: 'outbox';
  readonly outboxFile: string;
}

export type ChannelConfig = SesChannelConfig | HttpChannelConfig | OutboxChannelConfig;

/** How amounts and dates are written in messages. */
export interface FormattingConfig {
  /** ISO 4217 code of the currency Voucherify's integer cents are in. */
  readonly currency: string;
  /** BCP 47 locale for numbers, money and dates (the message wording itself is the templates'). */
  readonly locale: string;
  /** IANA time zone in which expiry dates are given. */
  readonly timeZone: string;
}

/** Every setting of the distribute function (functions/shared/settings.ts defines each one). */
export interface DistributeConfig {
  readonly delivery: ChannelConfig;
  /** Permanent failures are sent here by the worker itself, with a FailureReason attribute. */
  readonly deadLetterQueueUrl: string;
  readonly idempotencyTableName: string;
  /** How long a send-out being delivered is locked against other workers. */
  readonly idempotencyLockSeconds: number;
  /** How long a completed send-out is remembered (and so not delivered again). */
  readonly idempotencyRetentionDays: number;
  /** Upper bound on one delivery attempt (SES call or HTTP request), retries included. */
  readonly deliveryTimeoutMs: number;
  readonly formatting: FormattingConfig;
}

export function loadDistributeConfig(env: Environment): DistributeConfig {
  const idempotencyLockSeconds = readSetting(env, SETTINGS.idempotencyLockSeconds);
  const deliveryTimeoutMs = readSetting(env, SETTINGS.deliveryTimeoutMs);
  // A delivery that outlives its lock could be repeated by another worker taking the lock over.
  if (deliveryTimeoutMs >= idempotencyLockSeconds * 1000) {
    throw new ConfigurationError(
      'DELIVERY_TIMEOUT_MS',
      `must be shorter than IDEMPOTENCY_LOCK_SECONDS (${idempotencyLockSeconds} s), got ${deliveryTimeoutMs} ms`,
    );
  }
  return {
    delivery: loadChannelConfig(env),
    deadLetterQueueUrl: readSetting(env, SETTINGS.deadLetterQueueUrl),
    idempotencyTableName: readSetting(env, SETTINGS.idempotencyTableName),
    idempotencyLockSeconds,
    idempotencyRetentionDays: readSetting(env, SETTINGS.idempotencyRetentionDays),
    deliveryTimeoutMs,
    formatting: {
      currency: readSetting(env, SETTINGS.currency),
      locale: readSetting(env, SETTINGS.locale),
      timeZone: readSetting(env, SETTINGS.timeZone),
    },
  };
}

function loadChannelConfig(env: Environment): ChannelConfig {
  const channel = readSetting(env, SETTINGS.deliveryChannel);
  switch (channel) {
    case 'ses':
      return {
        channel,
        fromAddress: readSetting(env, SETTINGS.sesFromAddress),
        configurationSet: readOptionalSetting(env, SETTINGS.sesConfigurationSet),
      };
    case 'http': {
      const forwardUrl = readForwardUrl(env);
      const value = readOptionalSetting(env, SETTINGS.forwardSigningSecret);
      if (value !== undefined) return { channel, forwardUrl, signingSecret: { value } };
      const arn = readOptionalSetting(env, SETTINGS.forwardSigningSecretArn);
      // Unsigned forwarding would let anyone who learns the URL inject messages: fail closed.
      if (arn === undefined) {
        throw new ConfigurationError('FORWARD_SIGNING_SECRET', 'or FORWARD_SIGNING_SECRET_ARN is required when DELIVERY_CHANNEL is http');
      }
      return { channel, forwardUrl, signingSecret: { arn, cacheTtlSeconds: readSetting(env, SHARED_SETTINGS.secretCacheTtlSeconds) } };
    }
    case 'outbox':
      return { channel, outboxFile: readSetting(env, SETTINGS.outboxFile) };
  }
}

function readForwardUrl(env: Environment): URL {
  const text = readOptionalSetting(env, SETTINGS.forwardUrl);
  if (text === undefined) throw new ConfigurationError('FORWARD_URL', 'is required when DELIVERY_CHANNEL is http');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigurationError('FORWARD_URL', `must be an absolute URL, got "${text}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError('FORWARD_URL', `must be an http(s) URL, got "${url.protocol}"`);
  }
  return url;
}
