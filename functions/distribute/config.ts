import {
  ConfigurationError,
  DELIVERY_CHANNELS,
  type DeliveryChannelName,
  type Environment,
  readOptionalSetting,
  readSetting,
  DISTRIBUTE_SETTINGS as SETTINGS,
  type Setting,
  SHARED_SETTINGS,
} from '../shared/settings.ts';

export { DELIVERY_CHANNELS, type DeliveryChannelName };

export interface SesChannelConfig {
  readonly channel: 'ses';
  readonly fromAddress: string;
  readonly configurationSet: string | undefined;
}

/** A secret given directly (local runs; wins when both are set), or a Secrets Manager secret (AWS). */
export type SecretSource = { readonly value: string } | { readonly arn: string; readonly cacheTtlSeconds: number };

export interface HttpChannelConfig {
  readonly channel: 'http';
  readonly forwardUrl: URL;
  readonly signingSecret: SecretSource;
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

/** Who every message is from: the From display name, the reply-to address and the footer every mail carries. */
export interface SenderIdentity {
  /** The From address: required for SES, handed to the ESP by the http channel when set. */
  readonly address: string | undefined;
  /** The From display name and the name the copy signs with: SENDER_NAME, else the company name. */
  readonly name: string;
  readonly companyName: string;
  /** Marketing mail must carry the sender's postal address (CAN-SPAM, and most ESPs' terms). */
  readonly postalAddress: string;
  readonly logoUrl: string | undefined;
  /** #rrggbb, for buttons and the code box. */
  readonly accentColor: string;
  readonly replyTo: string | undefined;
}

/** Every message links to the customer's unsubscribe page; customers who used it are not mailed again. */
export interface UnsubscribeConfig {
  /** The unsubscribe page of the stack's HTTP API. */
  readonly url: string;
  /** Key of the links' tokens: comma-separated during a rotation, the first one signs. */
  readonly secret: SecretSource;
  readonly tableName: string;
}

/** How fast the worker sends, and how long a send-out may wait for its turn. */
export interface PacingConfig {
  /** The provider's rate across every worker; undefined: SES's account rate, or unpaced for the other channels. */
  readonly ratePerSecond: number | undefined;
  /** Worker invocations that can run at once, each sending at its share of the rate. */
  readonly concurrency: number;
  readonly maxSendOutAgeHours: number;
}

/** Every setting of the distribute function (functions/shared/settings.ts defines each one). */
export interface DistributeConfig {
  readonly delivery: ChannelConfig;
  readonly pacing: PacingConfig;
  /** The webhook queue, where records wait their turn. */
  readonly queueUrl: string;
  readonly sender: SenderIdentity;
  readonly unsubscribe: UnsubscribeConfig;
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
    pacing: {
      ratePerSecond: readOptionalSetting(env, SETTINGS.sendRatePerSecond),
      concurrency: readSetting(env, SETTINGS.maxConcurrency),
      maxSendOutAgeHours: readSetting(env, SETTINGS.maxSendOutAgeHours),
    },
    queueUrl: readSetting(env, SHARED_SETTINGS.queueUrl),
    unsubscribe: {
      url: readSetting(env, SETTINGS.unsubscribeUrl),
      secret: readSecretSource(env, SHARED_SETTINGS.unsubscribeSecret, SHARED_SETTINGS.unsubscribeSecretArn),
      tableName: readSetting(env, SHARED_SETTINGS.unsubscribeTableName),
    },
    sender: loadSenderIdentity(env),
    deadLetterQueueUrl: readSetting(env, SETTINGS.deadLetterQueueUrl),
    idempotencyTableName: readSetting(env, SETTINGS.idempotencyTableName),
    idempotencyLockSeconds,
    idempotencyRetentionDays: readSetting(env, SETTINGS.idempotencyRetentionDays),
    deliveryTimeoutMs,
    formatting: loadFormattingConfig(env),
  };
}

/** The sender alone: also what the mail preview (scripts/preview.ts) renders with. */
export function loadSenderIdentity(env: Environment): SenderIdentity {
  const companyName = readSetting(env, SETTINGS.companyName);
  return {
    address: readOptionalSetting(env, SETTINGS.senderAddress),
    name: readOptionalSetting(env, SETTINGS.senderName) ?? companyName,
    companyName,
    postalAddress: readSetting(env, SETTINGS.postalAddress),
    logoUrl: readOptionalSetting(env, SETTINGS.logoUrl),
    accentColor: readSetting(env, SETTINGS.accentColor),
    replyTo: readOptionalSetting(env, SETTINGS.replyTo),
  };
}

export function loadFormattingConfig(env: Environment): FormattingConfig {
  return {
    currency: readSetting(env, SETTINGS.currency),
    locale: readSetting(env, SETTINGS.locale),
    timeZone: readSetting(env, SETTINGS.timeZone),
  };
}

function loadChannelConfig(env: Environment): ChannelConfig {
  const channel = readSetting(env, SETTINGS.deliveryChannel);
  switch (channel) {
    case 'ses':
      return {
        channel,
        fromAddress: readSetting(env, SETTINGS.senderAddress),
        configurationSet: readOptionalSetting(env, SETTINGS.sesConfigurationSet),
      };
    case 'http': {
      const forwardUrl = readForwardUrl(env);
      // Unsigned forwarding would let anyone who learns the URL inject messages: fail closed.
      return { channel, forwardUrl, signingSecret: readSecretSource(env, SETTINGS.forwardSigningSecret, SETTINGS.forwardSigningSecretArn) };
    }
    case 'outbox':
      return { channel, outboxFile: readSetting(env, SETTINGS.outboxFile) };
  }
}

/** A secret given directly, else by its Secrets Manager ARN; one of the two is required (fail closed). */
export function readSecretSource(env: Environment, direct: Setting<string>, byArn: Setting<string>): SecretSource {
  const value = readOptionalSetting(env, direct);
  if (value !== undefined) return { value };
  const arn = readOptionalSetting(env, byArn);
  if (arn === undefined) throw new ConfigurationError(direct.variable ?? '', `or ${byArn.variable} is required`);
  return { arn, cacheTtlSeconds: readSetting(env, SHARED_SETTINGS.secretCacheTtlSeconds) };
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
