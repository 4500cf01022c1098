/**
 * Every setting of the two functions, defined once: the environment variable a function reads, the
 * CDK context key a deployer sets it with (when a deployer may choose it), its default and its check.
 * Functions read their variables through readSetting at start-up; the stack reads the same
 * definitions from CDK context (lib/webhookStackConfig.ts) and hands the values on as the variables,
 * so a default, a bound or a message cannot differ between the two. No SDK imports: the stack loads
 * this module.
 */
import { isEmailAddress } from './emailAddress.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

/** A setting the function cannot start with, named by its variable. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.variable = variable;
  }
}

/** What is wrong with a value, worded to follow the setting's name ("must be …, got …"). */
export class SettingProblem extends Error {
  override readonly name = 'SettingProblem';
}

export interface Setting<TValue> {
  /** The environment variable the function reads; absent for settings only the stack reads. */
  readonly variable?: string;
  /** The CDK context key; absent for values the stack derives itself (queue URLs, the lock). */
  readonly contextKey?: string;
  /** Used when the value is unset or blank; without one the setting is required (see readSetting). */
  readonly defaultValue?: TValue;
  /** Turns the trimmed text into the value, or throws SettingProblem. */
  readonly parse: (text: string) => TValue;
  /** The text form the stack passes on as the variable. */
  readonly format?: (value: TValue) => string;
}

type Naming = Pick<Setting<unknown>, 'variable' | 'contextKey'>;

export const integerSetting = (naming: Naming & { defaultValue?: number; min: number; max: number }): Setting<number> => ({
  ...naming,
  parse: (text) => {
    if (!/^-?\d+$/.test(text)) throw new SettingProblem(`must be an integer, got "${text}"`);
    return withinBounds(Number(text), naming);
  },
});

export const numberSetting = (naming: Naming & { defaultValue?: number; min: number; max: number }): Setting<number> => ({
  ...naming,
  parse: (text) => {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new SettingProblem(`must be a number, got "${text}"`);
    return withinBounds(Number(text), naming);
  },
});

function withinBounds(value: number, bounds: { min: number; max: number }): number {
  if (value < bounds.min || value > bounds.max) throw new SettingProblem(`must be between ${bounds.min} and ${bounds.max}, got ${value}`);
  return value;
}

export const choiceSetting = <const TChoice extends string>(
  naming: Naming & { defaultValue?: TChoice; choices: readonly TChoice[] },
): Setting<TChoice> => ({
  ...naming,
  parse: (text) => {
    if (!(naming.choices as readonly string[]).includes(text)) {
      throw new SettingProblem(`must be one of ${naming.choices.join(', ')}, got "${text}"`);
    }
    return text as TChoice;
  },
});

export const flagSetting = (naming: Naming & { defaultValue?: boolean }): Setting<boolean> => ({
  ...naming,
  parse: (text) => {
    if (/^(true|1|yes)$/i.test(text)) return true;
    if (/^(false|0|no)$/i.test(text)) return false;
    throw new SettingProblem(`must be true or false, got "${text}"`);
  },
  format: String,
});

export const textSetting = (naming: Naming & { defaultValue?: string; check?: (text: string) => string | undefined }): Setting<string> => ({
  ...naming,
  parse: (text) => {
    const problem = naming.check?.(text);
    if (problem !== undefined) throw new SettingProblem(problem);
    return text;
  },
});

/** A check with an Intl constructor, which throws RangeError on what it cannot use. */
const intlCheck =
  (expected: string, check: (value: string) => unknown) =>
  (text: string): string | undefined => {
    try {
      return check(text) === false ? `must be ${expected}, got "${text}"` : undefined;
    } catch {
      return `must be ${expected}, got "${text}"`;
    }
  };

/** One line of printable text, at most `max` characters, without the characters that delimit a mail header's display name. */
const displayLine = (text: string, max: number): boolean => text.length <= max && !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}"<>]/u.test(text);

const isHttpsUrl = (text: string): boolean => {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && !url.username && !url.password;
  } catch {
    return false;
  }
};

const emailProblem = (text: string): string | undefined =>
  isEmailAddress(text) ? undefined : `must be a bare e-mail address such as offers@shop.example, got "${text}"`;

export const isCurrencyCode = (value: string): boolean => /^[A-Z]{3}$/.test(value) && Intl.supportedValuesOf('currency').includes(value);

// ---------------------------------------------------------------------------------------------
// The settings

/** More than one function. */
export const SHARED_SETTINGS = {
  /** The webhook queue: the ingest sends to it, the worker puts records back on it to wait their turn. */
  queueUrl: textSetting({ variable: 'QUEUE_URL' }),
  /** Key of the unsubscribe links' tokens: given directly (local runs; wins), or a Secrets Manager secret (AWS). */
  unsubscribeSecret: textSetting({ variable: 'UNSUBSCRIBE_SECRET' }),
  unsubscribeSecretArn: textSetting({ variable: 'UNSUBSCRIBE_SECRET_ARN' }),
  /** The table of customers who unsubscribed (the worker reads it, the unsubscribe function writes it). */
  unsubscribeTableName: textSetting({ variable: 'UNSUBSCRIBE_TABLE_NAME' }),
  secretCacheTtlSeconds: integerSetting({
    variable: 'SECRET_CACHE_TTL_SECONDS',
    contextKey: 'secretCacheTtlSeconds',
    defaultValue: 300,
    min: 0,
    max: 86_400,
  }),
} as const;

/** Completed send-outs are remembered past Voucherify's 14-day manual re-send horizon. */
export const IDEMPOTENCY_RETENTION_DAYS = 15;

/** SQS's largest message, attributes included. */
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;
/** Room kept on the queue for the message attributes the ingest and the worker add to a body. */
export const MESSAGE_ATTRIBUTES_ALLOWANCE_BYTES = 16 * 1024;

/** The queue's message size: the largest body the ingest accepts plus room for its attributes. */
export const queueMaxMessageBytes = (maxBodyBytes: number): number =>
  Math.min(SQS_MAX_MESSAGE_BYTES, maxBodyBytes + MESSAGE_ATTRIBUTES_ALLOWANCE_BYTES);

export const INGEST_SETTINGS = {
  /** Comma-separated signing secrets given directly (local runs); wins over the ARN. */
  secretValue: textSetting({ variable: 'VOUCHERIFY_WEBHOOK_SECRET' }),
  secretArn: textSetting({ variable: 'VOUCHERIFY_WEBHOOK_SECRET_ARN' }),
  maxBodyBytes: integerSetting({
    variable: 'MAX_BODY_BYTES',
    contextKey: 'maxBodyBytes',
    defaultValue: 256 * 1024,
    min: 1024,
    max: SQS_MAX_MESSAGE_BYTES - MESSAGE_ATTRIBUTES_ALLOWANCE_BYTES,
  }),
  /**
   * Replay guard: older envelopes are acknowledged and not acted on. Voucherify's support re-sends up
   * to 14 days back; past that, a signed body can only be a replay. At most the idempotency retention,
   * so no replay outlives the records that would catch it; 0 turns the guard off.
   */
  maxEventAgeSeconds: integerSetting({
    variable: 'MAX_EVENT_AGE_SECONDS',
    contextKey: 'maxEventAgeSeconds',
    defaultValue: 14 * 86_400,
    min: 0,
    max: IDEMPOTENCY_RETENTION_DAYS * 86_400,
  }),
  /** Voucherify gives up after 10 s: the ingest must have answered by then, retries included. */
  enqueueTimeoutMs: integerSetting({
    variable: 'ENQUEUE_TIMEOUT_MS',
    contextKey: 'enqueueTimeoutMs',
    defaultValue: 4000,
    min: 100,
    max: 9000,
  }),
} as const;

export const DELIVERY_CHANNELS = ['ses', 'http', 'outbox'] as const;
export type DeliveryChannelName = (typeof DELIVERY_CHANNELS)[number];

/**
 * What one record takes once started, beyond its delivery (DELIVERY_TIMEOUT_MS): the claim, the
 * completion and a queue write, milliseconds each when healthy. No record starts later than its
 * delivery timeout plus this before the worker's timeout.
 */
export const RECORD_OVERHEAD_MS = 500;

/** SQS's longest visibility timeout: the lock must always expire before the message reappears. */
const MAX_LOCK_SECONDS = 12 * 60 * 60;

export const DISTRIBUTE_SETTINGS = {
  deliveryChannel: choiceSetting({
    variable: 'DELIVERY_CHANNEL',
    contextKey: 'deliveryChannel',
    defaultValue: 'outbox',
    choices: DELIVERY_CHANNELS,
  }),
  deadLetterQueueUrl: textSetting({ variable: 'DEAD_LETTER_QUEUE_URL' }),
  /** The unsubscribe page of the stack's HTTP API, which every message links to. */
  unsubscribeUrl: textSetting({
    variable: 'UNSUBSCRIBE_URL',
    check: (text) => (/^https?:\/\//.test(text) && URL.canParse(text) ? undefined : `must be an absolute http(s) URL, got "${text}"`),
  }),
  idempotencyTableName: textSetting({ variable: 'IDEMPOTENCY_TABLE_NAME' }),
  idempotencyLockSeconds: integerSetting({ variable: 'IDEMPOTENCY_LOCK_SECONDS', defaultValue: 60, min: 1, max: MAX_LOCK_SECONDS }),
  idempotencyRetentionDays: integerSetting({
    variable: 'IDEMPOTENCY_RETENTION_DAYS',
    defaultValue: IDEMPOTENCY_RETENTION_DAYS,
    min: 1,
    max: 365,
  }),
  deliveryTimeoutMs: integerSetting({
    variable: 'DELIVERY_TIMEOUT_MS',
    contextKey: 'deliveryTimeoutMs',
    defaultValue: 5000,
    min: 100,
    max: 60_000,
  }),
  /**
   * The provider's sending rate per second, across every worker. Unset: the account's MaxSendRate
   * for ses (SES GetAccount); for http and outbox, unpaced until the receiver pushes back.
   */
  sendRatePerSecond: numberSetting({ variable: 'SEND_RATE_PER_SECOND', contextKey: 'sendRatePerSecond', min: 0.1, max: 10_000 }),
  /**
   * How many worker invocations run at once (the event source mapping's maximum concurrency): each
   * paces itself at the rate divided by this. While a backlog drains, a paced worker's waiting is
   * billed, and the drain rate is the provider's whatever this is, so the default is the fewest the
   * SQS event source allows. Raise it only for a provider faster than two workers can feed. The
   * local pipeline runs one worker process.
   */
  maxConcurrency: integerSetting({ variable: 'WORKER_MAX_CONCURRENCY', contextKey: 'maxConcurrency', defaultValue: 2, min: 1, max: 1000 }),
  /**
   * A send-out still waiting for the provider after this long goes to the DLQ as max_age_exceeded.
   * Below the queue's 14-day retention, with a day to spare for a redrive.
   */
  maxSendOutAgeHours: integerSetting({
    variable: 'MAX_SEND_OUT_AGE_HOURS',
    contextKey: 'maxSendOutAgeHours',
    defaultValue: 24,
    min: 1,
    max: 13 * 24,
  }),
  senderAddress: textSetting({ variable: 'SENDER_ADDRESS', contextKey: 'senderAddress', check: emailProblem }),
  sesConfigurationSet: textSetting({
    variable: 'SES_CONFIGURATION_SET',
    contextKey: 'sesConfigurationSet',
    check: (text) =>
      /^[A-Za-z0-9_-]{1,64}$/.test(text)
        ? undefined
        : `must be an SES configuration set name (letters, digits, _ and -, at most 64), got "${text}"`,
  }),
  forwardUrl: textSetting({ variable: 'FORWARD_URL', contextKey: 'forwardUrl' }),
  forwardSigningSecret: textSetting({ variable: 'FORWARD_SIGNING_SECRET' }),
  forwardSigningSecretArn: textSetting({ variable: 'FORWARD_SIGNING_SECRET_ARN' }),
  outboxFile: textSetting({ variable: 'OUTBOX_FILE' }),
  currency: textSetting({
    variable: 'CURRENCY',
    contextKey: 'currency',
    defaultValue: 'EUR',
    check: intlCheck('an ISO 4217 code such as EUR', isCurrencyCode),
  }),
  locale: textSetting({
    variable: 'LOCALE',
    contextKey: 'locale',
    defaultValue: 'en-GB',
    check: intlCheck('a BCP 47 language tag such as en-GB', (value) => Intl.getCanonicalLocales(value).length === 1),
  }),
  senderName: textSetting({
    variable: 'SENDER_NAME',
    contextKey: 'senderName',
    check: (text) =>
      displayLine(text, 64) ? undefined : `must be one line of at most 64 characters, without " < > or control characters, got "${text}"`,
  }),
  replyTo: textSetting({ variable: 'REPLY_TO', contextKey: 'replyTo', check: emailProblem }),
  companyName: textSetting({
    variable: 'COMPANY_NAME',
    contextKey: 'companyName',
    defaultValue: 'Example Shop',
    check: (text) => (displayLine(text, 100) ? undefined : `must be one line of at most 100 characters, got "${text}"`),
  }),
  postalAddress: textSetting({
    variable: 'POSTAL_ADDRESS',
    contextKey: 'postalAddress',
    defaultValue: 'Example Street 1, 00-001 Example City, Poland',
    check: (text) => (displayLine(text, 200) ? undefined : `must be one line of at most 200 characters, got "${text}"`),
  }),
  logoUrl: textSetting({
    variable: 'LOGO_URL',
    contextKey: 'logoUrl',
    check: (text) => (isHttpsUrl(text) ? undefined : `must be an https URL of an image, got "${text}"`),
  }),
  accentColor: textSetting({
    variable: 'ACCENT_COLOR',
    contextKey: 'accentColor',
    defaultValue: '#1f5fbf',
    check: (text) => (/^#[0-9a-fA-F]{6}$/.test(text) ? undefined : `must be a colour such as #1f5fbf, got "${text}"`),
  }),
  timeZone: textSetting({
    variable: 'TIME_ZONE',
    contextKey: 'timeZone',
    defaultValue: 'UTC',
    check: intlCheck('an IANA time zone such as Europe/Berlin', (value) => new Intl.DateTimeFormat('en', { timeZone: value })),
  }),
} as const;

// ---------------------------------------------------------------------------------------------
// Reading

/** The trimmed text, or undefined when unset or blank (a blank variable is as good as unset). */
const textOf = (env: Environment, variable: string): string | undefined => env[variable]?.trim() || undefined;

/** The environment variable a setting is read from; throws for a setting only the stack reads. */
export function variableOf(setting: Naming): string {
  if (setting.variable === undefined) throw new Error(`The setting ${setting.contextKey} has no environment variable`);
  return setting.variable;
}

/** The setting's value from the environment, its default when unset; throws ConfigurationError when required and unset, or invalid. */
export function readSetting<TValue>(env: Environment, setting: Setting<TValue>): TValue {
  const value = readOptionalSetting(env, setting);
  if (value === undefined) throw new ConfigurationError(variableOf(setting), 'is required');
  return value;
}

/** readSetting for a setting that may be absent: undefined when unset and without a default. */
export function readOptionalSetting<TValue>(env: Environment, setting: Setting<TValue>): TValue | undefined {
  const variable = variableOf(setting);
  const text = textOf(env, variable);
  if (text === undefined) return setting.defaultValue;
  try {
    return setting.parse(text);
  } catch (error) {
    if (error instanceof SettingProblem) throw new ConfigurationError(variable, error.message);
    throw error;
  }
}

/** The text the stack writes into the function's variable for a value. */
export const settingText = <TValue>(setting: Setting<TValue>, value: TValue): string => (setting.format ?? String)(value);

// ---------------------------------------------------------------------------------------------
// Names

/**
 * The AWS SDK's own variables for one service's endpoint: the SDK's clients read them, our code never
 * does. Set only where a function must reach a local stand-in instead of AWS (npm start, and
 * `sam local invoke` with a template synthesized with `-c local=true`).
 */
export const AWS_ENDPOINT_VARIABLES = {
  sqs: 'AWS_ENDPOINT_URL_SQS',
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  sesv2: 'AWS_ENDPOINT_URL_SESV2',
} as const;
export type AwsServiceName = keyof typeof AWS_ENDPOINT_VARIABLES;

/** POWERTOOLS_SERVICE_NAME of each function: the `service` dimension its metrics and alarms carry. */
export const SERVICE_NAMES = {
  ingest: 'voucherify-webhook-ingest',
  distribute: 'voucherify-webhook-distribute',
  unsubscribe: 'voucherify-webhook-unsubscribe',
} as const;

/** POWERTOOLS_METRICS_NAMESPACE of both functions. */
export const METRICS_NAMESPACE = 'VoucherifySegmentWebhook';

/** The HTTP API's route where Voucherify posts its webhooks. */
export const WEBHOOK_ROUTE = { method: 'POST', path: '/webhooks/voucherify' } as const;

/** The HTTP API's unsubscribe page, GET to confirm and POST to unsubscribe (RFC 8058 one-click). */
export const UNSUBSCRIBE_PATH = '/unsubscribe';
