/**
 * Everything the stack can be told, read from CDK context (`cdk deploy -c key=value`, or the
 * `context` block of cdk.json) in this one module, with the defaults documented in the deploy guide.
 * Every problem is reported at synth, all at once, naming the context key to fix: a stack that
 * would deploy but not deliver (no sender address, a plain-http forward URL, a lock that outlives
 * the visibility timeout) never reaches CloudFormation.
 */

/** Reads one context value; `app.node.tryGetContext` in the app, a plain object in tests. */
export type ContextReader = (key: string) => unknown;

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Amazon SES v2 `SendEmail` from a verified identity. */
export interface SesDelivery {
  readonly channel: 'ses';
  /** The bare address messages are sent from, e.g. `offers@shop.example`. */
  readonly fromAddress: string;
  /** Display name shown with the address, e.g. `Shop Example`. */
  readonly fromName: string | undefined;
  /** The verified SES identity the address belongs to: the address itself or its domain. */
  readonly identity: string;
  readonly configurationSet: string | undefined;
  /**
   * Verified recipient addresses for testing while the account is in the SES sandbox, where SES
   * also authorizes the send against each recipient's identity. Empty in production.
   */
  readonly sandboxRecipients: readonly string[];
}

/** POST of a normalised, HMAC-signed JSON message to an ESP or CRM. */
export interface HttpDelivery {
  readonly channel: 'http';
  readonly forwardUrl: string;
}

export type DeliveryConfig = SesDelivery | HttpDelivery;

export interface WebhookStackConfig {
  readonly delivery: DeliveryConfig;
  /** SNS e-mail subscription for the alarm topic; none when unset. */
  readonly alarmEmail: string | undefined;
  /** Steady-state requests per second the API stage lets through; more are answered 429. */
  readonly throttlingRateLimit: number;
  /** Requests the API stage lets through in a burst above the rate. */
  readonly throttlingBurstLimit: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Upper bound on concurrent worker invocations: protects the e-mail provider's rate limit. */
  readonly maxConcurrency: number;
  readonly ingestMemoryMb: number;
  readonly workerMemoryMb: number;
  readonly workerTimeoutSeconds: number;
  readonly deliveryTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly maxEventAgeSeconds: number;
  readonly secretCacheTtlSeconds: number;
  readonly enqueueTimeoutMs: number;
  readonly currency: string;
  readonly locale: string;
  readonly timeZone: string;
  readonly logLevel: LogLevel;
  readonly logRetentionDays: number;
  readonly oldestMessageAlarmMinutes: number;
  readonly invalidSignatureAlarmThreshold: number;
  /** Set NODE_OPTIONS=--enable-source-maps: readable stack traces, for a slower cold start. */
  readonly runtimeSourceMaps: boolean;
}

/** What the app reads besides the stack's own configuration. */
export interface AppContext {
  readonly stackName: string;
  /** Run cdk-nag's AwsSolutions checks during synth (`npm run nag`). */
  readonly nag: boolean;
  readonly stack: WebhookStackConfig;
}

/** Completed idempotency records are kept past Voucherify's 14-day manual re-send horizon. */
export const IDEMPOTENCY_RETENTION_DAYS = 15;
/** SQS's largest message (aws-cdk-lib 2.276 validates `maxMessageSizeBytes` up to this). */
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;
/** Room kept on the queue for the message attributes the ingest and the worker add to a body. */
export const MESSAGE_ATTRIBUTES_ALLOWANCE_BYTES = 16 * 1024;
/** The idempotency lock outlives one worker invocation by this much, covering clock skew and retries. */
export const IDEMPOTENCY_LOCK_MARGIN_SECONDS = 30;
/** AWS's guidance: a queue feeding Lambda hides a received message for 6 × the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** The documented defaults: README.md's CDK context table lists the same values. */
export const CONTEXT_DEFAULTS = {
  stackName: 'VoucherifySegmentWebhook',
  deliveryChannel: 'ses',
  throttlingRateLimit: 100,
  throttlingBurstLimit: 200,
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  maxConcurrency: 5,
  // Chosen from measurements (BENCHMARKS.md, "Memory"): both functions peak at 130-140 MiB RSS
  // under load with Lambda's heap flags, about half of 256 MB, while at 128 MB they reach 91-105%
  // of the limit. Both wait on I/O far more than they compute, so a larger size buys little
  // latency (mostly on cold starts) and costs more per millisecond.
  ingestMemoryMb: 256,
  workerMemoryMb: 256,
  workerTimeoutSeconds: 60,
  deliveryTimeoutMs: 5000,
  maxBodyBytes: 256 * 1024,
  // Off, as the ingest's own default: Voucherify's support re-sends envelopes up to 14 days back,
  // and the idempotency table already catches any replay within its 15-day retention.
  maxEventAgeSeconds: 0,
  secretCacheTtlSeconds: 300,
  enqueueTimeoutMs: 4000,
  currency: 'EUR',
  locale: 'en-GB',
  timeZone: 'UTC',
  logLevel: 'INFO',
  logRetentionDays: 30,
  oldestMessageAlarmMinutes: 15,
  invalidSignatureAlarmThreshold: 10,
} as const;

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export class WebhookStackConfigError extends Error {
  override readonly name = 'WebhookStackConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      `The Voucherify webhook stack cannot be synthesized; fix these CDK context values (cdk deploy -c key=value):\n${problems
        .map((problem) => `  - ${problem}`)
        .join('\n')}`,
    );
    this.problems = problems;
  }
}

const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const DOMAIN_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const SES_CONFIGURATION_SET_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const isEmailAddress = (value: string): boolean => value.length <= 254 && EMAIL_PATTERN.test(value);

/** Collects problems so one synth reports all of them. */
class ContextParser {
  readonly problems: string[] = [];
  private readonly read: ContextReader;
  constructor(read: ContextReader) {
    this.read = read;
  }

  problem(key: string, message: string): void {
    const problem = `${key}: ${message}`;
    if (!this.problems.includes(problem)) this.problems.push(problem);
  }

  /** A string value, trimmed; blank counts as unset (an empty `-c key=` clears a cdk.json value). */
  text(key: string): string | undefined {
    const raw = this.read(key);
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      this.problem(key, `must be a single value, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    const value = String(raw).trim();
    return value === '' ? undefined : value;
  }

  /** CLI context always arrives as a string; cdk.json may hold numbers. Both are accepted. */
  number(key: string, fallback: number, bounds: { min: number; max: number; integer?: boolean }): number {
    const raw = this.text(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    const integer = bounds.integer ?? true;
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      this.problem(key, `must be ${integer ? 'an integer' : 'a number'}, got "${raw}"`);
      return fallback;
    }
    if (value < bounds.min || value > bounds.max) {
      this.problem(key, `must be between ${bounds.min} and ${bounds.max}, got ${value}`);
      return fallback;
    }
    return value;
  }

  flag(key: string): boolean {
    const raw = this.text(key);
    if (raw === undefined) return false;
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    this.problem(key, `must be true or false, got "${raw}"`);
    return false;
  }

  choice<const TChoice extends string>(key: string, choices: readonly TChoice[], fallback: TChoice): TChoice {
    const raw = this.text(key);
    if (raw === undefined) return fallback;
    if (!(choices as readonly string[]).includes(raw)) {
      this.problem(key, `must be one of ${choices.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as TChoice;
  }

  email(key: string): string | undefined {
    const value = this.text(key);
    if (value !== undefined && !isEmailAddress(value)) {
      this.problem(key, `must be a bare e-mail address such as offers@shop.example, got "${value}"`);
      return undefined;
    }
    return value;
  }
}

function readDelivery(parser: ContextParser): DeliveryConfig {
  const channel = parser.text('deliveryChannel') ?? CONTEXT_DEFAULTS.deliveryChannel;
  switch (channel) {
    case 'ses':
      return readSesDelivery(parser);
    case 'http':
      return readHttpDelivery(parser);
    case 'outbox':
      parser.problem(
        'deliveryChannel',
        'outbox appends messages to a local file and exists only for local runs (npm start); deploy with ses or http',
      );
      break;
    default:
      parser.problem('deliveryChannel', `must be ses or http, got "${channel}"`);
  }
  return { channel: 'http', forwardUrl: '' };
}

function readHttpDelivery(parser: ContextParser): HttpDelivery {
  const forwardUrl = parser.text('forwardUrl');
  if (forwardUrl === undefined) {
    parser.problem('forwardUrl', 'is required when deliveryChannel is http: the https endpoint messages are POSTed to');
    return { channel: 'http', forwardUrl: '' };
  }
  let url: URL;
  try {
    url = new URL(forwardUrl);
  } catch {
    parser.problem('forwardUrl', `must be an absolute https URL, got "${forwardUrl}"`);
    return { channel: 'http', forwardUrl };
  }
  if (url.protocol !== 'https:') {
    parser.problem('forwardUrl', `must use https (messages carry customer contact details), got "${forwardUrl}"`);
  }
  if (url.username || url.password) {
    parser.problem('forwardUrl', 'must not carry credentials: they would be readable in the template; forwards are HMAC-signed instead');
  }
  return { channel: 'http', forwardUrl };
}

function readSesDelivery(parser: ContextParser): SesDelivery {
  if (parser.text('sesFromAddress') === undefined) {
    parser.problem('sesFromAddress', 'is required when deliveryChannel is ses: the verified address messages are sent from');
  }
  const fromAddress = parser.email('sesFromAddress') ?? '';
  const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
  const givenIdentity = parser.text('sesIdentity');
  const identity = givenIdentity ?? domain;
  if (givenIdentity !== undefined && fromAddress !== '') {
    const wanted = givenIdentity.toLowerCase();
    const belongs =
      wanted === fromAddress.toLowerCase() ||
      (DOMAIN_PATTERN.test(wanted) && (domain === wanted || domain.endsWith(`.${wanted}`)));
    if (!belongs) {
      parser.problem(
        'sesIdentity',
        `must be ${fromAddress} itself or a domain it belongs to (SES authorizes sending by that identity), got "${givenIdentity}"`,
      );
    }
  }
  const fromName = parser.text('sesFromName');
  // Quoted in the From header, so only printable ASCII without quotes, backslashes or brackets:
  // anything else needs RFC 2047 encoding, which SES expects the sender to do.
  if (fromName !== undefined && (!/^[\x20-\x7E]{1,64}$/.test(fromName) || /["\\<>]/.test(fromName))) {
    parser.problem('sesFromName', `must be at most 64 printable ASCII characters without " \\ < >, got "${fromName}"`);
  }
  const configurationSet = parser.text('sesConfigurationSet');
  if (configurationSet !== undefined && !SES_CONFIGURATION_SET_PATTERN.test(configurationSet)) {
    parser.problem(
      'sesConfigurationSet',
      `must be an SES configuration set name (letters, digits, _ and -, at most 64), got "${configurationSet}"`,
    );
  }
  const sandboxRecipients = (parser.text('sesSandboxRecipients') ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
  for (const address of sandboxRecipients) {
    if (!isEmailAddress(address)) parser.problem('sesSandboxRecipients', `must be comma-separated e-mail addresses, got "${address}"`);
  }
  return { channel: 'ses', fromAddress, fromName, identity, configurationSet, sandboxRecipients };
}

function isLocale(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isCurrency(value: string): boolean {
  if (!/^[A-Z]{3}$/.test(value)) return false;
  return Intl.supportedValuesOf('currency').includes(value);
}

function readStackConfig(parser: ContextParser): WebhookStackConfig {
  const d = CONTEXT_DEFAULTS;
  const delivery = readDelivery(parser);
  const alarmEmail = parser.email('alarmEmail');

  const throttlingRateLimit = parser.number('throttlingRateLimit', d.throttlingRateLimit, { min: 1, max: 10_000, integer: false });
  const throttlingBurstLimit = parser.number('throttlingBurstLimit', d.throttlingBurstLimit, { min: 1, max: 5000 });
  const maxBatchingWindowSeconds = parser.number('maxBatchingWindowSeconds', d.maxBatchingWindowSeconds, { min: 0, max: 300 });
  const batchSize = parser.number('batchSize', d.batchSize, { min: 1, max: 10_000 });
  if (batchSize > 10 && maxBatchingWindowSeconds === 0) {
    parser.problem('batchSize', `above 10 needs maxBatchingWindowSeconds of at least 1 (Lambda's rule for SQS), got batchSize ${batchSize}`);
  }
  // Lambda's SQS event source needs at least 2 concurrent pollers.
  const maxConcurrency = parser.number('maxConcurrency', d.maxConcurrency, { min: 2, max: 1000 });
  const ingestMemoryMb = parser.number('ingestMemoryMb', d.ingestMemoryMb, { min: 128, max: 10_240 });
  const workerMemoryMb = parser.number('workerMemoryMb', d.workerMemoryMb, { min: 128, max: 10_240 });
  // The visibility timeout (6 × timeout + batching window) must stay within SQS's 12 hours.
  const workerTimeoutSeconds = parser.number('workerTimeoutSeconds', d.workerTimeoutSeconds, { min: 10, max: 900 });
  const deliveryTimeoutMs = parser.number('deliveryTimeoutMs', d.deliveryTimeoutMs, { min: 100, max: 60_000 });
  if (deliveryTimeoutMs >= workerTimeoutSeconds * 1000) {
    parser.problem(
      'deliveryTimeoutMs',
      `must be shorter than the worker timeout (${workerTimeoutSeconds * 1000} ms), or a slow provider would time out the whole batch; got ${deliveryTimeoutMs}`,
    );
  }
  const maxBodyBytes = parser.number('maxBodyBytes', d.maxBodyBytes, {
    min: 1024,
    max: SQS_MAX_MESSAGE_BYTES - MESSAGE_ATTRIBUTES_ALLOWANCE_BYTES,
  });
  // When on, older envelopes are refused; at most the idempotency retention, so no replay can
  // outlive the records that would catch it. 0 turns the guard off.
  const maxEventAgeSeconds = parser.number('maxEventAgeSeconds', d.maxEventAgeSeconds, {
    min: 0,
    max: IDEMPOTENCY_RETENTION_DAYS * 86_400,
  });
  const secretCacheTtlSeconds = parser.number('secretCacheTtlSeconds', d.secretCacheTtlSeconds, { min: 0, max: 86_400 });
  // Voucherify gives up after 10 s; the ingest must have answered by then, retries included.
  const enqueueTimeoutMs = parser.number('enqueueTimeoutMs', d.enqueueTimeoutMs, { min: 100, max: 9000 });

  const currency = parser.text('currency') ?? d.currency;
  if (!isCurrency(currency)) parser.problem('currency', `must be an ISO 4217 code such as EUR, got "${currency}"`);
  const locale = parser.text('locale') ?? d.locale;
  if (!isLocale(locale)) parser.problem('locale', `must be a BCP 47 language tag such as en-GB, got "${locale}"`);
  const timeZone = parser.text('timeZone') ?? d.timeZone;
  if (!isTimeZone(timeZone)) parser.problem('timeZone', `must be an IANA time zone such as Europe/Berlin, got "${timeZone}"`);

  const logLevel = parser.choice('logLevel', LOG_LEVELS, d.logLevel);
  const runtimeSourceMaps = parser.flag('runtimeSourceMaps');
  const logRetentionDays = parser.number('logRetentionDays', d.logRetentionDays, { min: 1, max: 3653 });
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    parser.problem('logRetentionDays', `must be one of CloudWatch Logs' periods (${LOG_RETENTION_DAYS.join(', ')}), got ${logRetentionDays}`);
  }
  const oldestMessageAlarmMinutes = parser.number('oldestMessageAlarmMinutes', d.oldestMessageAlarmMinutes, { min: 1, max: 24 * 60 });
  const invalidSignatureAlarmThreshold = parser.number('invalidSignatureAlarmThreshold', d.invalidSignatureAlarmThreshold, {
    min: 1,
    max: 1_000_000,
  });

  return {
    delivery,
    alarmEmail,
    throttlingRateLimit,
    throttlingBurstLimit,
    batchSize,
    maxBatchingWindowSeconds,
    maxConcurrency,
    ingestMemoryMb,
    workerMemoryMb,
    workerTimeoutSeconds,
    deliveryTimeoutMs,
    maxBodyBytes,
    maxEventAgeSeconds,
    secretCacheTtlSeconds,
    enqueueTimeoutMs,
    currency,
    locale,
    timeZone,
    logLevel,
    logRetentionDays,
    oldestMessageAlarmMinutes,
    invalidSignatureAlarmThreshold,
    runtimeSourceMaps,
  };
}

/** Reads and validates the stack's configuration; throws WebhookStackConfigError listing every problem. */
export function readWebhookStackConfig(read: ContextReader): WebhookStackConfig {
  const parser = new ContextParser(read);
  const config = readStackConfig(parser);
  if (parser.problems.length > 0) throw new WebhookStackConfigError(parser.problems);
  return config;
}

/** Reads everything bin/app.ts needs from CDK context. */
export function readAppContext(read: ContextReader): AppContext {
  const parser = new ContextParser(read);
  const stackName = parser.text('stackName') ?? CONTEXT_DEFAULTS.stackName;
  if (!STACK_NAME_PATTERN.test(stackName)) {
    parser.problem('stackName', `must be a CloudFormation stack name (a letter, then letters, digits and -), got "${stackName}"`);
  }
  const nag = parser.flag('nag');
  const stack = readStackConfig(parser);
  if (parser.problems.length > 0) throw new WebhookStackConfigError(parser.problems);
  return { stackName, nag, stack };
}

/** The timings derived from the configuration, with the invariants between them. */
export interface WorkerTimings {
  readonly workerTimeoutSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly idempotencyLockSeconds: number;
}

/**
 * A record may be retried only after its lock has expired, and never while the first attempt can
 * still be running: lock = timeout + margin, and the lock ends before the message is visible again.
 */
export function workerTimings(config: Pick<WebhookStackConfig, 'workerTimeoutSeconds' | 'maxBatchingWindowSeconds'>): WorkerTimings {
  const visibilityTimeoutSeconds = VISIBILITY_TIMEOUT_FACTOR * config.workerTimeoutSeconds + config.maxBatchingWindowSeconds;
  const idempotencyLockSeconds = config.workerTimeoutSeconds + IDEMPOTENCY_LOCK_MARGIN_SECONDS;
  if (idempotencyLockSeconds >= visibilityTimeoutSeconds) {
    throw new WebhookStackConfigError([
      `workerTimeoutSeconds: the idempotency lock (${idempotencyLockSeconds} s) must expire before the queue's visibility timeout (${visibilityTimeoutSeconds} s)`,
    ]);
  }
  return { workerTimeoutSeconds: config.workerTimeoutSeconds, visibilityTimeoutSeconds, idempotencyLockSeconds };
}

/** The queue's message size: the largest body the ingest accepts plus its attributes. */
export const queueMaxMessageBytes = (config: Pick<WebhookStackConfig, 'maxBodyBytes'>): number =>
  Math.min(SQS_MAX_MESSAGE_BYTES, config.maxBodyBytes + MESSAGE_ATTRIBUTES_ALLOWANCE_BYTES);
