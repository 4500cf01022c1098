import {
  ConfigurationError,
  type Environment,
  readChoice,
  readInteger,
  readOptionalString,
  readRequiredString,
  readUrl,
} from '../shared/env.ts';

export const DELIVERY_CHANNELS = ['ses', 'http', 'outbox'] as const;
export type DeliveryChannelName = (typeof DELIVERY_CHANNELS)[number];

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

/** Every setting of the distribute function; README.md (Configuration) documents each variable. */
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

// SQS's longest visibility timeout; the lock must always expire before the message reappears.
const MAX_LOCK_SECONDS = 12 * 60 * 60;

export function loadDistributeConfig(env: Environment): DistributeConfig {
  const idempotencyLockSeconds = readInteger(env, 'IDEMPOTENCY_LOCK_SECONDS', 60, { min: 1, max: MAX_LOCK_SECONDS });
  const deliveryTimeoutMs = readInteger(env, 'DELIVERY_TIMEOUT_MS', 5000, { min: 100, max: 60_000 });
  // A delivery that outlives its lock could be repeated by another worker taking the lock over.
  if (deliveryTimeoutMs >= idempotencyLockSeconds * 1000) {
    throw new ConfigurationError(
      'DELIVERY_TIMEOUT_MS',
      `must be shorter than IDEMPOTENCY_LOCK_SECONDS (${idempotencyLockSeconds} s), got ${deliveryTimeoutMs} ms`,
    );
  }
  return {
    delivery: loadChannelConfig(env),
    deadLetterQueueUrl: readRequiredString(env, 'DEAD_LETTER_QUEUE_URL'),
    idempotencyTableName: readRequiredString(env, 'IDEMPOTENCY_TABLE_NAME'),
    idempotencyLockSeconds,
    idempotencyRetentionDays: readInteger(env, 'IDEMPOTENCY_RETENTION_DAYS', 15, { min: 1, max: 365 }),
    deliveryTimeoutMs,
    formatting: {
      currency: readCurrency(env, 'CURRENCY', 'EUR'),
      locale: readLocale(env, 'LOCALE', 'en-GB'),
      timeZone: readTimeZone(env, 'TIME_ZONE', 'UTC'),
    },
  };
}

function loadChannelConfig(env: Environment): ChannelConfig {
  const channel = readChoice(env, 'DELIVERY_CHANNEL', DELIVERY_CHANNELS, 'outbox');
  switch (channel) {
    case 'ses': {
      const fromAddress = readRequiredString(env, 'SES_FROM_ADDRESS');
      if (!fromAddress.includes('@')) {
        throw new ConfigurationError('SES_FROM_ADDRESS', 'must be an e-mail address (optionally "Name <address>")');
      }
      return { channel, fromAddress, configurationSet: readOptionalString(env, 'SES_CONFIGURATION_SET') };
    }
    case 'http': {
      const forwardUrl = readUrl(env, 'FORWARD_URL');
      if (forwardUrl === undefined) throw new ConfigurationError('FORWARD_URL', 'is required when DELIVERY_CHANNEL is http');
      if (forwardUrl.protocol !== 'https:' && forwardUrl.protocol !== 'http:') {
        throw new ConfigurationError('FORWARD_URL', `must be an http(s) URL, got "${forwardUrl.protocol}"`);
      }
      const value = readOptionalString(env, 'FORWARD_SIGNING_SECRET');
      if (value !== undefined) return { channel, forwardUrl, signingSecret: { value } };
      const arn = readOptionalString(env, 'FORWARD_SIGNING_SECRET_ARN');
      // Unsigned forwarding would let anyone who learns the URL inject messages: fail closed.
      if (arn === undefined) {
        throw new ConfigurationError('FORWARD_SIGNING_SECRET', 'or FORWARD_SIGNING_SECRET_ARN is required when DELIVERY_CHANNEL is http');
      }
      const cacheTtlSeconds = readInteger(env, 'SECRET_CACHE_TTL_SECONDS', 300, { min: 0, max: 86_400 });
      return { channel, forwardUrl, signingSecret: { arn, cacheTtlSeconds } };
    }
    case 'outbox':
      return { channel, outboxFile: readRequiredString(env, 'OUTBOX_FILE') };
  }
}

/** Reads a value and checks it with an Intl constructor, which throws RangeError on what it cannot use. */
function readIntlValue(env: Environment, name: string, fallback: string, check: (value: string) => void, expected: string): string {
  const value = readOptionalString(env, name) ?? fallback;
  try {
    check(value);
  } catch {
    throw new ConfigurationError(name, `must be ${expected}, got "${value}"`);
  }
  return value;
}

const readCurrency = (env: Environment, name: string, fallback: string): string =>
  readIntlValue(
    env,
    name,
    fallback,
    (value) => {
      if (!/^[A-Z]{3}$/.test(value)) throw new RangeError(value);
      new Intl.NumberFormat('en', { style: 'currency', currency: value });
    },
    'an ISO 4217 currency code such as EUR',
  );

const readLocale = (env: Environment, name: string, fallback: string): string =>
  readIntlValue(env, name, fallback, (value) => Intl.getCanonicalLocales(value), 'a BCP 47 locale such as en-GB');

const readTimeZone = (env: Environment, name: string, fallback: string): string =>
  readIntlValue(
    env,
    name,
    fallback,
    (value) => new Intl.DateTimeFormat('en', { timeZone: value }),
    'an IANA time zone such as Europe/Warsaw',
  );
