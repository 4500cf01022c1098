/**
 * Everything the stack can be told, read from CDK context (`cdk deploy -c key=value`, or the
 * `context` block of cdk.json) in this one module. Settings the functions read too come from their
 * one definition in functions/shared/settings.ts; the ones only the stack reads are defined here.
 * Every problem is reported at synth, all at once, naming the context key to fix: a stack that would
 * deploy but not deliver (no sender address, a plain-http forward URL, a lock that outlives the
 * visibility timeout) never reaches CloudFormation.
 */
import { isEmailAddress } from '../functions/shared/emailAddress.ts';
import {
  choiceSetting,
  DISTRIBUTE_SETTINGS,
  flagSetting,
  INGEST_SETTINGS,
  integerSetting,
  numberSetting,
  RECORD_OVERHEAD_MS,
  type Setting,
  SettingProblem,
  SHARED_SETTINGS,
  textSetting,
} from '../functions/shared/settings.ts';

/** Reads one context value; `app.node.tryGetContext` in the app, a plain object in tests. */
export type ContextReader = (key: string) => unknown;

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** The settings only the stack reads, with their defaults: README.md's configuration table lists the same. */
export const STACK_SETTINGS = {
  stackName: textSetting({
    contextKey: 'stackName',
    defaultValue: 'VoucherifySegmentWebhook',
    check: (text) =>
      /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(text)
        ? undefined
        : `must be a CloudFormation stack name (a letter, then letters, digits and -), got "${text}"`,
  }),
  nag: flagSetting({ contextKey: 'nag', defaultValue: false }),
  alarmEmail: textSetting({ contextKey: 'alarmEmail', check: emailProblem }),
  // The stage throttle is sized for a whole segment entering at once, not for steady traffic: each
  // 429 counts as a failed delivery for Voucherify, and enough of them pause the distribution. The
  // ceilings are API Gateway's account quotas; a forged flood at the limit still costs little.
  throttlingRateLimit: numberSetting({ contextKey: 'throttlingRateLimit', defaultValue: 1000, min: 1, max: 10_000 }),
  throttlingBurstLimit: integerSetting({ contextKey: 'throttlingBurstLimit', defaultValue: 2000, min: 1, max: 5000 }),
  batchSize: integerSetting({ contextKey: 'batchSize', defaultValue: 10, min: 1, max: 10_000 }),
  maxBatchingWindowSeconds: integerSetting({ contextKey: 'maxBatchingWindowSeconds', defaultValue: 0, min: 0, max: 300 }),
  // Chosen from measurements (BENCHMARKS.md, "Memory"): both functions peak well below this under
  // load, and wait on I/O far more than they compute, so more memory buys little.
  ingestMemoryMb: integerSetting({ contextKey: 'ingestMemoryMb', defaultValue: 256, min: 128, max: 10_240 }),
  workerMemoryMb: integerSetting({ contextKey: 'workerMemoryMb', defaultValue: 256, min: 128, max: 10_240 }),
  // The visibility timeout (6 × timeout + batching window) must stay within SQS's 12 hours.
  workerTimeoutSeconds: integerSetting({ contextKey: 'workerTimeoutSeconds', defaultValue: 60, min: 10, max: 900 }),
  logLevel: choiceSetting({ contextKey: 'logLevel', defaultValue: 'INFO', choices: LOG_LEVELS }),
  logRetentionDays: integerSetting({ contextKey: 'logRetentionDays', defaultValue: 30, min: 1, max: 3653 }),
  // Unset: a quarter of maxSendOutAgeHours, so someone looks long before send-outs start to expire.
  oldestMessageAlarmMinutes: integerSetting({ contextKey: 'oldestMessageAlarmMinutes', min: 1, max: 13 * 24 * 60 }),
  invalidSignatureAlarmThreshold: integerSetting({
    contextKey: 'invalidSignatureAlarmThreshold',
    defaultValue: 10,
    min: 1,
    max: 1_000_000,
  }),
  runtimeSourceMaps: flagSetting({ contextKey: 'runtimeSourceMaps', defaultValue: false }),
  // The queues hold customers' personal data for days: 'kms' encrypts them with a key of this
  // stack's, which only the two functions may use (README, "Encryption").
  queueEncryption: choiceSetting({ contextKey: 'queueEncryption', defaultValue: 'sqs-managed', choices: ['sqs-managed', 'kms'] }),
  sesIdentity: textSetting({ contextKey: 'sesIdentity' }),
  sesSandboxRecipients: textSetting({ contextKey: 'sesSandboxRecipients' }),
  // A template for `sam local invoke` only (docs/sam-local.md): never deploy one synthesized with it.
  local: flagSetting({ contextKey: 'local', defaultValue: false }),
} as const;

function emailProblem(text: string): string | undefined {
  return isEmailAddress(text) ? undefined : `must be a bare e-mail address such as offers@shop.example, got "${text}"`;
}

/** Amazon SES v2 `SendEmail` from a verified identity. */
export interface SesDelivery {
  readonly channel: 'ses';
  /** The bare address messages are sent from, e.g. `offers@shop.example`. */
  readonly fromAddress: string;
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

/**
 * Who the mails are from, for every channel (the http channel hands it to the ESP). The company
 * name and postal address have local defaults, but a deployment must state its own: every
 * marketing mail carries them, and a placeholder would be false.
 */
export interface SenderConfig {
  readonly name: string | undefined;
  readonly replyTo: string | undefined;
  readonly companyName: string;
  readonly postalAddress: string;
  readonly logoUrl: string | undefined;
  readonly accentColor: string;
}

export interface WebhookStackConfig {
  readonly delivery: DeliveryConfig;
  readonly sender: SenderConfig;
  /** SNS e-mail subscription for the alarm topic; none when unset. */
  readonly alarmEmail: string | undefined;
  /** Steady-state requests per second the API stage lets through; more are answered 429. */
  readonly throttlingRateLimit: number;
  /** Requests the API stage lets through in a burst above the rate. */
  readonly throttlingBurstLimit: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Upper bound on concurrent worker invocations; each sends at its share of the rate. */
  readonly maxConcurrency: number;
  /** The provider's rate across every worker; unset: SES's account rate (GetAccount), or unpaced for http until the receiver pushes back. */
  readonly sendRatePerSecond: number | undefined;
  /** A send-out still waiting for the provider after this long goes to the DLQ. */
  readonly maxSendOutAgeHours: number;
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
  readonly queueEncryption: 'sqs-managed' | 'kms';
  /**
   * Declare, empty, the AWS SDK endpoint variables each function needs to reach local stand-ins, so
   * that `sam local invoke --env-vars` may set them (SAM sets only variables the template declares).
   */
  readonly local: boolean;
}

/** What the app reads besides the stack's own configuration. */
export interface AppContext {
  readonly stackName: string;
  /** Run cdk-nag's AwsSolutions checks during synth (`npm run nag`). */
  readonly nag: boolean;
  readonly stack: WebhookStackConfig;
}

/** The idempotency lock outlives one worker invocation by this much, covering clock skew and retries. */
export const IDEMPOTENCY_LOCK_MARGIN_SECONDS = 30;
/** AWS's guidance: a queue feeding Lambda hides a received message for 6 × the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

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

const DOMAIN_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Collects problems so one synth reports all of them. */
class ContextParser {
  readonly problems: string[] = [];
  readonly #read: ContextReader;
  constructor(read: ContextReader) {
    this.#read = read;
  }

  problem(key: string, message: string): void {
    const problem = `${key}: ${message}`;
    if (!this.problems.includes(problem)) this.problems.push(problem);
  }

  /** A value as text, trimmed; blank counts as unset (an empty `-c key=` clears a cdk.json value). */
  text(key: string): string | undefined {
    const raw = this.#read(key);
    if (raw === undefined || raw === null) return undefined;
    // CLI context always arrives as a string; cdk.json may hold numbers and booleans. Both are read.
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      this.problem(key, `must be a single value, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return String(raw).trim() || undefined;
  }

  /** A setting's value from its context key, its default when unset; a problem is recorded and the default used. */
  setting<TValue>(setting: Setting<TValue>): TValue;
  setting<TValue>(setting: Setting<TValue>, optional: 'optional'): TValue | undefined;
  setting<TValue>(setting: Setting<TValue>): TValue | undefined {
    const key = setting.contextKey;
    if (key === undefined) throw new Error(`The setting ${setting.variable} has no context key`);
    const text = this.text(key);
    if (text === undefined) return setting.defaultValue;
    try {
      return setting.parse(text);
    } catch (error) {
      if (!(error instanceof SettingProblem)) throw error;
      this.problem(key, error.message);
      return setting.defaultValue;
    }
  }
}

function readDelivery(parser: ContextParser): DeliveryConfig {
  const channel = parser.text('deliveryChannel') ?? 'ses';
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
  const forwardUrl = parser.setting(DISTRIBUTE_SETTINGS.forwardUrl, 'optional');
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
  const givenAddress = parser.text('senderAddress');
  if (givenAddress === undefined) {
    parser.problem('senderAddress', 'is required when deliveryChannel is ses: the verified address messages are sent from');
  } else if (!isEmailAddress(givenAddress)) {
    parser.problem('senderAddress', emailProblem(givenAddress) ?? '');
  }
  const fromAddress = givenAddress !== undefined && isEmailAddress(givenAddress) ? givenAddress : '';
  const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
  const givenIdentity = parser.setting(STACK_SETTINGS.sesIdentity, 'optional');
  const identity = givenIdentity ?? domain;
  if (givenIdentity !== undefined && fromAddress !== '') {
    const wanted = givenIdentity.toLowerCase();
    const belongs =
      wanted === fromAddress.toLowerCase() || (DOMAIN_PATTERN.test(wanted) && (domain === wanted || domain.endsWith(`.${wanted}`)));
    if (!belongs) {
      parser.problem(
        'sesIdentity',
        `must be ${fromAddress} itself or a domain it belongs to (SES authorizes sending by that identity), got "${givenIdentity}"`,
      );
    }
  }
  const configurationSet = parser.setting(DISTRIBUTE_SETTINGS.sesConfigurationSet, 'optional');
  const sandboxRecipients = (parser.setting(STACK_SETTINGS.sesSandboxRecipients, 'optional') ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
  for (const address of sandboxRecipients) {
    if (!isEmailAddress(address)) parser.problem('sesSandboxRecipients', `must be comma-separated e-mail addresses, got "${address}"`);
  }
  return { channel: 'ses', fromAddress, identity, configurationSet, sandboxRecipients };
}

function readSender(parser: ContextParser): SenderConfig {
  const settings = DISTRIBUTE_SETTINGS;
  for (const [key, why] of [
    ['companyName', 'the company every mail is from, named in its footer'],
    ['postalAddress', "the sender's postal address, which every marketing mail must carry (CAN-SPAM)"],
  ] as const) {
    if (parser.text(key) === undefined) parser.problem(key, `is required: ${why}`);
  }
  return {
    name: parser.setting(settings.senderName, 'optional'),
    replyTo: parser.setting(settings.replyTo, 'optional'),
    companyName: parser.setting(settings.companyName),
    postalAddress: parser.setting(settings.postalAddress),
    logoUrl: parser.setting(settings.logoUrl, 'optional'),
    accentColor: parser.setting(settings.accentColor),
  };
}

function readStackConfig(parser: ContextParser): WebhookStackConfig {
  const stack = STACK_SETTINGS;
  const delivery = readDelivery(parser);
  const sender = readSender(parser);
  const alarmEmail = parser.setting(stack.alarmEmail, 'optional');
  const throttlingRateLimit = parser.setting(stack.throttlingRateLimit);
  const throttlingBurstLimit = parser.setting(stack.throttlingBurstLimit);
  const maxBatchingWindowSeconds = parser.setting(stack.maxBatchingWindowSeconds);
  const batchSize = parser.setting(stack.batchSize);
  if (batchSize > 10 && maxBatchingWindowSeconds === 0) {
    parser.problem(
      'batchSize',
      `above 10 needs maxBatchingWindowSeconds of at least 1 (Lambda's rule for SQS), got batchSize ${batchSize}`,
    );
  }
  const maxConcurrency = parser.setting(DISTRIBUTE_SETTINGS.maxConcurrency);
  // Lambda's SQS event source needs at least 2 concurrent pollers.
  if (maxConcurrency < 2) parser.problem('maxConcurrency', `must be between 2 and 1000, got ${maxConcurrency}`);
  const sendRatePerSecond = parser.setting(DISTRIBUTE_SETTINGS.sendRatePerSecond, 'optional');
  const maxSendOutAgeHours = parser.setting(DISTRIBUTE_SETTINGS.maxSendOutAgeHours);
  const ingestMemoryMb = parser.setting(stack.ingestMemoryMb);
  const workerMemoryMb = parser.setting(stack.workerMemoryMb);
  const workerTimeoutSeconds = parser.setting(stack.workerTimeoutSeconds);
  const deliveryTimeoutMs = parser.setting(DISTRIBUTE_SETTINGS.deliveryTimeoutMs);
  const recordBudgetMs = deliveryTimeoutMs + RECORD_OVERHEAD_MS;
  if (recordBudgetMs >= workerTimeoutSeconds * 1000) {
    parser.problem(
      'deliveryTimeoutMs',
      `with ${RECORD_OVERHEAD_MS} ms for the calls around a delivery, must leave room in the worker timeout (${workerTimeoutSeconds * 1000} ms), or no record could start; got ${deliveryTimeoutMs}`,
    );
  } else if (sendRatePerSecond !== undefined) {
    // A batch is sent at the invocation's share of the rate: the last record must still start in time.
    const batchSeconds = batchSize / (sendRatePerSecond / maxConcurrency) + recordBudgetMs / 1000;
    if (batchSeconds > workerTimeoutSeconds) {
      parser.problem(
        'batchSize',
        `${batchSize} records at ${sendRatePerSecond}/s shared by ${maxConcurrency} workers take ${Math.ceil(batchSeconds)} s with the delivery timeout, more than workerTimeoutSeconds (${workerTimeoutSeconds}); lower batchSize or maxConcurrency, or raise workerTimeoutSeconds`,
      );
    }
  }
  const maxBodyBytes = parser.setting(INGEST_SETTINGS.maxBodyBytes);
  const maxEventAgeSeconds = parser.setting(INGEST_SETTINGS.maxEventAgeSeconds);
  const secretCacheTtlSeconds = parser.setting(SHARED_SETTINGS.secretCacheTtlSeconds);
  const enqueueTimeoutMs = parser.setting(INGEST_SETTINGS.enqueueTimeoutMs);
  const currency = parser.setting(DISTRIBUTE_SETTINGS.currency);
  const locale = parser.setting(DISTRIBUTE_SETTINGS.locale);
  const timeZone = parser.setting(DISTRIBUTE_SETTINGS.timeZone);
  const logLevel = parser.setting(stack.logLevel);
  const runtimeSourceMaps = parser.setting(stack.runtimeSourceMaps);
  const logRetentionDays = parser.setting(stack.logRetentionDays);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    parser.problem(
      'logRetentionDays',
      `must be one of CloudWatch Logs' periods (${LOG_RETENTION_DAYS.join(', ')}), got ${logRetentionDays}`,
    );
  }
  const oldestMessageAlarmMinutes = parser.setting(stack.oldestMessageAlarmMinutes, 'optional') ?? (maxSendOutAgeHours * 60) / 4;
  if (oldestMessageAlarmMinutes >= maxSendOutAgeHours * 60) {
    parser.problem(
      'oldestMessageAlarmMinutes',
      `must be below maxSendOutAgeHours (${maxSendOutAgeHours} h): the alarm must fire before send-outs expire, got ${oldestMessageAlarmMinutes}`,
    );
  }
  const invalidSignatureAlarmThreshold = parser.setting(stack.invalidSignatureAlarmThreshold);
  const queueEncryption = parser.setting(stack.queueEncryption);
  const local = parser.setting(stack.local);

  return {
    delivery,
    sender,
    alarmEmail,
    throttlingRateLimit,
    throttlingBurstLimit,
    batchSize,
    maxBatchingWindowSeconds,
    maxConcurrency,
    sendRatePerSecond,
    maxSendOutAgeHours,
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
    queueEncryption,
    local,
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
  const stackName = parser.setting(STACK_SETTINGS.stackName);
  const nag = parser.setting(STACK_SETTINGS.nag);
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
