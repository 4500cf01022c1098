import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, type HttpRoute, HttpStage, LogGroupLogDestination, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { MathExpression, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnPermission, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE } from '../functions/distribute/idempotencyTable.ts';
import {
  AWS_ENDPOINT_VARIABLES,
  type AwsServiceName,
  DISTRIBUTE_SETTINGS,
  IDEMPOTENCY_RETENTION_DAYS,
  INGEST_SETTINGS,
  METRICS_NAMESPACE,
  queueMaxMessageBytes,
  SERVICE_NAMES,
  type Setting,
  SHARED_SETTINGS,
  settingText,
  UNSUBSCRIBE_PATH,
  WEBHOOK_ROUTE,
} from '../functions/shared/settings.ts';
import { UNSUBSCRIBE_TABLE } from '../functions/shared/unsubscribeTable.ts';
import { ALARM_PERIOD, AlarmNotifications } from './AlarmNotifications.ts';
import { ACCESS_LOG_FIELDS } from './accessLogFormat.ts';
import { BundledFunction } from './BundledFunction.ts';
import { DeadLetteredQueue } from './DeadLetteredQueue.ts';
import { FUNCTION_LOGICAL_IDS } from './functionNames.ts';
import { type WebhookStackConfig, workerTimings } from './webhookStackConfig.ts';

/** The unsubscribe page does one DynamoDB write: the smallest size is plenty. */
const UNSUBSCRIBE_MEMORY_MB = 128;
/** Voucherify waits 10 s for an answer, then retries; the ingest has the same budget. */
const INGEST_TIMEOUT = Duration.seconds(10);
/** A send-out that keeps failing transiently is tried this often, a visibility timeout apart, then dead-lettered. */
const MAX_RECEIVE_COUNT = 5;
/** Unconsumed messages stay 4 days on the main queue; the DLQ keeps them 14. */
const QUEUE_RETENTION = Duration.days(4);
/**
 * A few 5xx are harmless (Voucherify retries them); a run of them means a dependency is down, and
 * 12 consecutive failures pause the distribution.
 */
const API_5XX_ALARM_THRESHOLD = 5;

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

/**
 * The queues' customer-managed key, with a key policy of its own instead of CDK's default (which lets
 * any principal of the account that IAM allows use it): the account may administer the key but not
 * use it, and only the two functions' roles may encrypt and decrypt with it, and only through SQS.
 * An operator who reads or redrives the DLQ needs a statement added here (README, "Encryption").
 */
function queueEncryptionKey(stack: Stack, users: readonly BundledFunction[]): Key {
  const region = stack.region;
  return new Key(stack, 'QueueKey', {
    description: 'Encrypts the Voucherify webhook queue and its DLQ (customer contact details)',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
    policy: new PolicyDocument({
      statements: [
        new PolicyStatement({
          sid: 'AccountAdministersTheKey',
          principals: [new AccountRootPrincipal()],
          actions: [
            'kms:Create*',
            'kms:Describe*',
            'kms:Enable*',
            'kms:List*',
            'kms:Put*',
            'kms:Update*',
            'kms:Revoke*',
            'kms:Disable*',
            'kms:Get*',
            'kms:Delete*',
            'kms:TagResource',
            'kms:UntagResource',
            'kms:ScheduleKeyDeletion',
            'kms:CancelKeyDeletion',
          ],
          resources: ['*'],
        }),
        new PolicyStatement({
          sid: 'FunctionsUseTheKeyThroughSqs',
          principals: users.map((user) => user.role),
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'kms:ViaService': `sqs.${region}.amazonaws.com` } },
        }),
      ],
    }),
  });
}

/** The API's one stage: its URL has no stage segment. */
const STAGE_NAME = '$default';

/**
 * A route to a function, whose invoke permission covers the deployed stage and this method and path
 * only: HttpLambdaIntegration's own would let every stage and method of the path invoke it.
 */
function addFunctionRoute(api: HttpApi, method: HttpMethod, path: string, target: IFunction, id: string): HttpRoute {
  const [route] = api.addRoutes({
    path,
    methods: [method],
    integration: new HttpLambdaIntegration(id, target, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 }),
  });
  const permission = route?.node.findAll().find((child): child is CfnPermission => child instanceof CfnPermission);
  if (!route || !permission) throw new Error(`The route ${method} ${path} has no invoke permission to narrow`);
  permission.addPropertyOverride('SourceArn', api.arnForExecuteApi(method, path, STAGE_NAME));
  return route;
}

/** Values for a function's settings: each is written into the setting's own variable. */
// biome-ignore lint/suspicious/noExplicitAny: a list of settings of different value types, each paired with its own.
type SettingValues = [Setting<any>, string | number | boolean][];

function setEnvironment(target: BundledFunction, values: SettingValues): void {
  for (const [setting, value] of values) {
    if (setting.variable === undefined) throw new Error(`The setting ${setting.contextKey} has no variable`);
    target.function.addEnvironment(setting.variable, typeof value === 'string' ? value : settingText(setting, value));
  }
}

/**
 * Declares the AWS SDK endpoint variables of the services a function calls, empty: SAM sets only
 * variables the template declares, and the SDK takes an empty one as unset.
 */
function declareLocalEndpoints(target: BundledFunction, services: readonly AwsServiceName[]): void {
  for (const service of services) target.function.addEnvironment(AWS_ENDPOINT_VARIABLES[service], '');
}

/**
 * Every resource SES authorizes a send against (SES developer guide, "Controlling access to Amazon
 * SES"): each verified identity that matches the sender, so the domain and, when it is verified on
 * its own too (the console's getting-started flow verifies an address first), the address itself;
 * the configuration set, the one named or a default one attached to the identity, which the stack
 * cannot know, hence any; and, in the sandbox, each recipient's identity.
 */
function sesSendResources(
  stack: Stack,
  sender: { identity: string; fromAddress: string; configurationSet: string | undefined; sandboxRecipients: readonly string[] },
): string[] {
  const arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'ses', resource, resourceName });
  const identities = new Set([sender.identity, sender.fromAddress.slice(sender.fromAddress.lastIndexOf('@') + 1), sender.fromAddress]);
  return [
    ...[...identities, ...sender.sandboxRecipients].map((name) => arn('identity', name)),
    arn('configuration-set', sender.configurationSet ?? '*'),
  ];
}

export interface VoucherifyWebhookStackProps extends StackProps {
  /** Validated configuration: readWebhookStackConfig / readAppContext. */
  readonly config: WebhookStackConfig;
}

/**
 * Voucherify `customer.segment.entered` webhooks on AWS: HTTP API → ingest (verify, validate,
 * enqueue) → SQS → distribute worker (idempotent delivery by SES or HTTP), with a DLQ, alarms to
 * one SNS topic, and least-privilege roles.
 */
export class VoucherifyWebhookStack extends Stack {
  constructor(scope: Construct, id: string, props: VoucherifyWebhookStackProps) {
    super(scope, id, {
      description: 'Voucherify customer.segment.entered webhooks: HTTP API, ingest, SQS, delivery worker, alarms',
      ...props,
    });
    const { config } = props;
    const timings = workerTimings(config);
    const logRetention = config.logRetentionDays as RetentionDays;
    const metricsNamespace = METRICS_NAMESPACE;

    const notifications = new AlarmNotifications(this, 'Alarms', { email: config.alarmEmail });

    // ---------------------------------------------------------------------------------------
    // Storage: the signing secret and the idempotency table (the queue needs the worker's log group)

    const signingSecret = new Secret(this, 'WebhookSigningSecret', {
      description:
        'Voucherify webhook signing secret(s) from Project Settings → Webhooks, comma-separated during a rotation. Generated placeholder until set: the ingest refuses every webhook until then.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(signingSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "The value is Voucherify's webhook signing secret, issued in Voucherify's dashboard: Secrets Manager cannot rotate it. It is rotated by hand without downtime, because the secret holds a comma-separated list: add the new secret, switch Voucherify, then remove the old one.",
    });

    const table = new Table(this, 'IdempotencyTable', {
      partitionKey: { name: IDEMPOTENCY_TABLE.partitionKey, type: AttributeType.STRING },
      timeToLiveAttribute: IDEMPOTENCY_TABLE.timeToLiveAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The table is what stops a send-out being delivered twice: losing it re-sends 15 days of messages.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Customers who unsubscribed: a legal record, kept until removed by hand, never lost with the stack.
    const unsubscribeTable = new Table(this, 'UnsubscribeTable', {
      partitionKey: { name: UNSUBSCRIBE_TABLE.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const unsubscribeSecret = new Secret(this, 'UnsubscribeSecret', {
      description:
        'Key of the HMAC in every unsubscribe link. Comma-separated during a rotation: the first one signs new links, every one is accepted.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(unsubscribeSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The key signs the unsubscribe links of mails already sent to Voucherify customers: an automatic rotation would make every earlier link invalid. It is rotated by hand, with the old key kept after the new one until those mails are old.',
    });

    // ---------------------------------------------------------------------------------------
    // Functions

    const ingest = new BundledFunction(this, 'Ingest', {
      entry: `${PROJECT_ROOT}/functions/ingest/handler.ts`,
      projectRoot: PROJECT_ROOT,
      logicalId: FUNCTION_LOGICAL_IDS.ingest,
      description: 'Verifies, validates and enqueues Voucherify customer.segment.entered webhooks',
      memorySize: config.ingestMemoryMb,
      timeout: INGEST_TIMEOUT,
      logRetention,
      serviceName: SERVICE_NAMES.ingest,
      metricsNamespace,
      logLevel: config.logLevel,
      runtimeSourceMaps: config.runtimeSourceMaps,
    });

    const worker = new BundledFunction(this, 'Distribute', {
      entry: `${PROJECT_ROOT}/functions/distribute/handler.ts`,
      projectRoot: PROJECT_ROOT,
      logicalId: FUNCTION_LOGICAL_IDS.distribute,
      description: `Delivers each queued send-out exactly once by ${config.delivery.channel}`,
      memorySize: config.workerMemoryMb,
      timeout: Duration.seconds(timings.workerTimeoutSeconds),
      logRetention,
      serviceName: SERVICE_NAMES.distribute,
      metricsNamespace,
      logLevel: config.logLevel,
      runtimeSourceMaps: config.runtimeSourceMaps,
    });

    const unsubscribe = new BundledFunction(this, 'Unsubscribe', {
      entry: `${PROJECT_ROOT}/functions/unsubscribe/handler.ts`,
      projectRoot: PROJECT_ROOT,
      logicalId: FUNCTION_LOGICAL_IDS.unsubscribe,
      description: 'Shows the unsubscribe page every message links to and records one-click unsubscribes',
      memorySize: UNSUBSCRIBE_MEMORY_MB,
      timeout: INGEST_TIMEOUT,
      logRetention,
      serviceName: SERVICE_NAMES.unsubscribe,
      metricsNamespace,
      logLevel: config.logLevel,
      runtimeSourceMaps: config.runtimeSourceMaps,
    });

    const queueKey = config.queueEncryption === 'kms' ? queueEncryptionKey(this, [ingest, worker]) : undefined;
    const queues = new DeadLetteredQueue(this, 'Webhooks', {
      encryptionKey: queueKey,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      visibilityTimeout: Duration.seconds(timings.visibilityTimeoutSeconds),
      maxMessageSizeBytes: queueMaxMessageBytes(config.maxBodyBytes),
      retentionPeriod: QUEUE_RETENTION,
      notifications,
      oldestMessageAgeThreshold: Duration.minutes(config.oldestMessageAlarmMinutes),
      deadLetterImpact: `customers in the segment did not get their message: each DLQ message is one Voucherify send-out that failed permanently or after ${MAX_RECEIVE_COUNT} attempts.`,
      consumerLogs: `the distribute function's log group ${worker.logGroup.logGroupName}`,
    });
    const { queue, deadLetterQueue } = queues;

    // ---------------------------------------------------------------------------------------
    // Ingest: may only send to the queue and read its secret (plus write its own logs).

    setEnvironment(ingest, [
      [SHARED_SETTINGS.queueUrl, queue.queueUrl],
      [INGEST_SETTINGS.secretArn, signingSecret.secretArn],
      // Declared empty so `sam local invoke --env-vars` may set a local secret (SAM only overrides
      // declared variables). Empty counts as unset: in AWS the function reads the ARN above.
      [INGEST_SETTINGS.secretValue, ''],
      [SHARED_SETTINGS.secretCacheTtlSeconds, config.secretCacheTtlSeconds],
      [INGEST_SETTINGS.maxBodyBytes, config.maxBodyBytes],
      [INGEST_SETTINGS.maxEventAgeSeconds, config.maxEventAgeSeconds],
      [INGEST_SETTINGS.enqueueTimeoutMs, config.enqueueTimeoutMs],
    ]);
    ingest.function.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    ingest.function.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [signingSecret.secretArn] }),
    );

    // ---------------------------------------------------------------------------------------
    // Worker: consumes the queue, dead-letters permanent failures itself, records idempotency.

    const settings = DISTRIBUTE_SETTINGS;
    const workerEnvironment: SettingValues = [
      [settings.deliveryChannel, config.delivery.channel],
      [SHARED_SETTINGS.queueUrl, queue.queueUrl],
      [settings.maxConcurrency, config.maxConcurrency],
      [settings.maxSendOutAgeHours, config.maxSendOutAgeHours],
      [settings.deadLetterQueueUrl, deadLetterQueue.queueUrl],
      [settings.idempotencyTableName, table.tableName],
      [settings.idempotencyLockSeconds, timings.idempotencyLockSeconds],
      [settings.idempotencyRetentionDays, IDEMPOTENCY_RETENTION_DAYS],
      [settings.deliveryTimeoutMs, config.deliveryTimeoutMs],
      [settings.currency, config.currency],
      [settings.locale, config.locale],
      [settings.timeZone, config.timeZone],
      [settings.companyName, config.sender.companyName],
      [settings.postalAddress, config.sender.postalAddress],
      [settings.accentColor, config.sender.accentColor],
    ];
    for (const [setting, value] of [
      [settings.sendRatePerSecond, config.sendRatePerSecond],
      [settings.senderName, config.sender.name],
      [settings.replyTo, config.sender.replyTo],
      [settings.logoUrl, config.sender.logoUrl],
    ] as const) {
      if (value !== undefined) workerEnvironment.push([setting, value]);
    }
    worker.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: config.batchSize,
        ...(config.maxBatchingWindowSeconds > 0 ? { maxBatchingWindow: Duration.seconds(config.maxBatchingWindowSeconds) } : {}),
        maxConcurrency: config.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    // The DLQ for permanent failures; the queue itself for records put back to wait their turn.
    worker.function.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn, queue.queueArn] }),
    );
    worker.function.addToRolePolicy(
      new PolicyStatement({
        // What functions/distribute/idempotencyStore.ts calls: claim and complete (PutItem), the
        // fallback read (GetItem), release (DeleteItem).
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [table.tableArn],
      }),
    );

    let forwardSigningSecret: Secret | undefined;
    if (config.delivery.channel === 'ses') {
      const { fromAddress, identity, configurationSet, sandboxRecipients } = config.delivery;
      workerEnvironment.push([settings.senderAddress, fromAddress]);
      if (configurationSet) workerEnvironment.push([settings.sesConfigurationSet, configurationSet]);
      worker.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: sesSendResources(this, { identity, fromAddress, configurationSet, sandboxRecipients }),
          // Whatever the resources, only the configured sender address may be used (the condition
          // key is the bare address, whatever the display name).
          conditions: { StringEquals: { 'ses:FromAddress': fromAddress } },
        }),
      );
      if (config.sendRatePerSecond === undefined) {
        // The pacer's default rate is the account's MaxSendRate; GetAccount has no resource to scope to.
        worker.function.addToRolePolicy(new PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] }));
        Validations.of(worker.role.node.findChild('DefaultPolicy')).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            "ses:GetAccount on *: the action has no resource type to scope it to. It reads the account's sending quota, which the receiver paces its mails by, and nothing else.",
        });
      }
      if (!configurationSet) {
        Validations.of(worker.role.node.findChild('DefaultPolicy')).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:configuration-set/*]',
          reason:
            "ses:SendEmail on configuration-set/*: SES also authorizes the receiver's sends against a default configuration set attached to the sender identity, whose name the stack cannot know. The statement is conditioned on ses:FromAddress being the configured sender, so it allows nothing more than sending as that one address.",
        });
      }
    } else {
      forwardSigningSecret = new Secret(this, 'ForwardSigningSecret', {
        description: `Key of the HMAC signature on messages forwarded to ${config.delivery.forwardUrl}; share it with the receiver.`,
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
      });
      Validations.of(forwardSigningSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The key is shared with the external receiver of forwarded messages, which must switch at the same moment; an automatic rotation would make it reject every message. It is rotated by hand together with the receiver.',
      });
      workerEnvironment.push(
        [settings.forwardUrl, config.delivery.forwardUrl],
        [settings.forwardSigningSecretArn, forwardSigningSecret.secretArn],
        // Declared empty for `sam local invoke --env-vars`, as the ingest's VOUCHERIFY_WEBHOOK_SECRET.
        [settings.forwardSigningSecret, ''],
        [SHARED_SETTINGS.secretCacheTtlSeconds, config.secretCacheTtlSeconds],
      );
      worker.function.addToRolePolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [forwardSigningSecret.secretArn] }),
      );
    }
    setEnvironment(worker, workerEnvironment);

    // ---------------------------------------------------------------------------------------
    // HTTP API

    const api = new HttpApi(this, 'WebhookApi', {
      description: 'Receives Voucherify webhooks',
      createDefaultStage: false,
    });
    const webhookRoute = addFunctionRoute(api, HttpMethod.POST, WEBHOOK_ROUTE.path, ingest.function, 'IngestIntegration');
    for (const method of [HttpMethod.GET, HttpMethod.POST]) {
      const route = addFunctionRoute(api, method, UNSUBSCRIBE_PATH, unsubscribe.function, `Unsubscribe${method}Integration`);
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          "The unsubscribe page is opened from a Voucherify customer's mail, and mail clients post RFC 8058 one-click unsubscribes, neither with credentials. Each request is authenticated by the HMAC token in its link, made with a key only this stack holds, so it can only unsubscribe the customer the link was made for.",
      });
    }
    Validations.of(webhookRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Voucherify cannot present IAM, JWT or custom-authorizer credentials. Every request is authenticated by its HMAC-SHA256 x-voucherify-signature header, which the ingest function verifies over the raw body before anything is parsed or enqueued; stage throttling bounds what unsigned traffic can cost.',
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy: RemovalPolicy.RETAIN });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: api,
      stageName: STAGE_NAME,
      autoDeploy: true,
      throttle: { rateLimit: config.throttlingRateLimit, burstLimit: config.throttlingBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    // ---------------------------------------------------------------------------------------
    // Unsubscribing: every message links to the page; the worker skips who used it.

    const unsubscribeShared: SettingValues = [
      [SHARED_SETTINGS.unsubscribeSecretArn, unsubscribeSecret.secretArn],
      // Declared empty for `sam local invoke --env-vars`, as the ingest's VOUCHERIFY_WEBHOOK_SECRET.
      [SHARED_SETTINGS.unsubscribeSecret, ''],
      [SHARED_SETTINGS.unsubscribeTableName, unsubscribeTable.tableName],
      [SHARED_SETTINGS.secretCacheTtlSeconds, config.secretCacheTtlSeconds],
    ];
    setEnvironment(worker, [...unsubscribeShared, [settings.unsubscribeUrl, `${stage.url}${UNSUBSCRIBE_PATH.slice(1)}`]]);
    setEnvironment(unsubscribe, [
      ...unsubscribeShared,
      [settings.companyName, config.sender.companyName],
      [settings.accentColor, config.sender.accentColor],
    ]);
    for (const user of [worker, unsubscribe]) {
      user.function.addToRolePolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [unsubscribeSecret.secretArn] }),
      );
    }
    worker.function.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [unsubscribeTable.tableArn] }));
    unsubscribe.function.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [unsubscribeTable.tableArn] }));

    // ---------------------------------------------------------------------------------------
    // A template for `sam local invoke` only (-c local=true): each function declares the endpoint
    // variables of the services it calls, which events/env.json points at `npm start`'s stand-ins.

    if (config.local) {
      declareLocalEndpoints(ingest, ['sqs']);
      declareLocalEndpoints(worker, config.delivery.channel === 'ses' ? ['sqs', 'dynamodb', 'sesv2'] : ['sqs', 'dynamodb']);
      declareLocalEndpoints(unsubscribe, ['dynamodb']);
    }

    // ---------------------------------------------------------------------------------------
    // Alarms (the queue's two are declared by DeadLetteredQueue)

    const ingestLogs = `the ingest function's log group ${ingest.logGroup.logGroupName}`;
    const workerLogs = `the distribute function's log group ${worker.logGroup.logGroupName}`;
    notifications.addAlarm('Api5xxAlarm', {
      metric: stage.metricServerError({ period: ALARM_PERIOD, statistic: Stats.SUM }),
      threshold: API_5XX_ALARM_THRESHOLD,
      affected: `Voucherify's webhook requests are failing with 5xx; it retries each up to 12 times and then pauses the distribution.`,
      whereToLook: `${ingestLogs} (level ERROR, field reason: unavailable means SQS or Secrets Manager, server_misconfigured means the secret or configuration) and the API access log group ${accessLogs.logGroupName} (integrationError).`,
    });
    notifications.addAlarm('IngestErrorsAlarm', {
      metric: ingest.function.metricErrors({ period: ALARM_PERIOD, statistic: Stats.SUM }),
      threshold: 1,
      affected: 'the ingest function crashed or timed out: those webhooks were answered 5xx and will be retried by Voucherify.',
      whereToLook: `${ingestLogs} (Task timed out, Runtime errors) and its Duration metric against the 10 s timeout.`,
    });
    notifications.addAlarm('IngestThrottlesAlarm', {
      metric: ingest.function.metricThrottles({ period: ALARM_PERIOD, statistic: Stats.SUM }),
      threshold: 1,
      affected: 'webhooks were refused because the ingest function hit a Lambda concurrency limit; Voucherify retries them.',
      whereToLook: `the account's Lambda concurrency (ConcurrentExecutions) and other functions in ${this.region}; consider lowering throttlingRateLimit or raising the account quota.`,
    });
    notifications.addAlarm('WorkerErrorsAlarm', {
      metric: worker.function.metricErrors({ period: ALARM_PERIOD, statistic: Stats.SUM }),
      threshold: 1,
      affected: 'whole batches of send-outs failed (a crash or timeout, not a single bad record) and will be retried, then dead-lettered.',
      whereToLook: `${workerLogs} (Task timed out, Runtime errors) and the queue's ApproximateAgeOfOldestMessage.`,
    });
    notifications.addAlarm('WorkerThrottlesAlarm', {
      metric: worker.function.metricThrottles({ period: ALARM_PERIOD, statistic: Stats.SUM }),
      threshold: 1,
      affected: 'the distribute function was throttled, so delivery is delayed and messages may be retried towards the DLQ.',
      whereToLook: `the account's Lambda concurrency and the event source's maxConcurrency (${config.maxConcurrency}); ${workerLogs}.`,
    });
    notifications.addAlarm('WorkerMisconfiguredAlarm', {
      metric: new Metric({
        namespace: metricsNamespace,
        metricName: 'ConfigurationError',
        dimensionsMap: { service: SERVICE_NAMES.distribute },
        period: ALARM_PERIOD,
        statistic: Stats.SUM,
      }),
      threshold: 1,
      affected:
        'the distribute function cannot start (its configuration is invalid), so no send-out is delivered: every batch is retried and then dead-lettered.',
      whereToLook: `${workerLogs} (message "The distribute function is misconfigured", field error names the variable) and the stack's deploy context.`,
    });
    notifications.addAlarm('InvalidSignatureSpikeAlarm', {
      metric: new Metric({
        namespace: metricsNamespace,
        metricName: 'WebhookRejected',
        dimensionsMap: { service: SERVICE_NAMES.ingest, Reason: 'invalid_signature' },
        period: ALARM_PERIOD,
        statistic: Stats.SUM,
      }),
      threshold: config.invalidSignatureAlarmThreshold,
      affected:
        'webhooks are being refused with 401: either the signing secret in Secrets Manager no longer matches Voucherify (every send-out fails and the distribution will pause), or someone is probing the endpoint.',
      whereToLook: `${ingestLogs} (message "Webhook rejected", reason invalid_signature), the API access log's sourceIp against Voucherify's published IPs, and the secret ${signingSecret.secretArn} against Voucherify's Project Settings → Webhooks.`,
    });
    notifications.addAlarm('PermanentFailureAlarm', {
      // A Metrics Insights query sums PermanentFailure over every dimension set the worker uses
      // (for example per reason), which a single-metric alarm could not.
      metric: new MathExpression({
        expression: `SELECT SUM(PermanentFailure) FROM "${metricsNamespace}" WHERE service = '${SERVICE_NAMES.distribute}'`,
        usingMetrics: {},
        period: ALARM_PERIOD,
        label: 'PermanentFailure',
      }),
      threshold: 1,
      affected:
        'send-outs failed permanently (invalid body, rejected address, template error) and were moved to the DLQ without retries: those customers got nothing.',
      whereToLook: `${workerLogs} (outcome permanent_failure) and the FailureReason attribute of the messages in ${deadLetterQueue.queueName}.`,
    });

    notifications.addAlarm('SendOutAgeAlarm', {
      // The queue's OldestMessageAgeAlarm restarts with every deferral (a deferred send-out is a new
      // message); this one follows the send-out from its first queueing, as the maximum age does.
      metric: new Metric({
        namespace: metricsNamespace,
        metricName: 'OldestSendOutAgeSeconds',
        dimensionsMap: { service: SERVICE_NAMES.distribute },
        period: ALARM_PERIOD,
        statistic: Stats.MAXIMUM,
      }),
      threshold: config.oldestMessageAlarmMinutes * 60,
      affected: `send-outs have waited ${config.oldestMessageAlarmMinutes} minutes for their turn; those still waiting after ${config.maxSendOutAgeHours} h go to the DLQ as max_age_exceeded.`,
      whereToLook: `${workerLogs} (Deferred and TransientFailure reasons), the provider's sending rate (SES MaxSendRate or sendRatePerSecond) against the backlog in ${queue.queueName}.`,
    });

    const workerCount = (metricName: string, dimensions: Record<string, string> = {}) =>
      new Metric({
        namespace: metricsNamespace,
        metricName,
        dimensionsMap: { service: SERVICE_NAMES.distribute, ...dimensions },
        period: ALARM_PERIOD,
        statistic: Stats.SUM,
      });
    notifications.addAlarm('PossibleDuplicateDeliveryAlarm', {
      // The one window in which exactly-once can fail: a send went out but its completion was not
      // recorded (DynamoDB failed, or the lock was lost), or a worker died after sending and the next
      // one took its expired claim over and sent again.
      metric: new MathExpression({
        expression: 'FILL(notRecorded, 0) + FILL(lockLost, 0) + FILL(takenOver, 0)',
        usingMetrics: {
          notRecorded: workerCount('DeliveryNotRecorded', { Reason: 'not_recorded' }),
          lockLost: workerCount('DeliveryNotRecorded', { Reason: 'lock_lost' }),
          takenOver: workerCount('ClaimTakenOver'),
        },
        period: ALARM_PERIOD,
        label: 'DeliveryNotRecorded + ClaimTakenOver',
      }),
      threshold: 1,
      affected:
        'a send-out may have reached its customer twice: a delivery could not be recorded as completed, or a worker took over the claim of one that had died mid-delivery.',
      whereToLook: `${workerLogs} (messages at WARN/ERROR with completion not_recorded or lock_lost, or claim_taken_over true; their envelope_id), and DynamoDB and Lambda timeouts around that time.`,
    });

    // ---------------------------------------------------------------------------------------
    // Outputs

    new CfnOutput(this, 'WebhookUrl', {
      description: 'Paste into the Voucherify distribution (channel Webhook) as the target URL',
      value: `${stage.url}${WEBHOOK_ROUTE.path.slice(1)}`,
    });
    new CfnOutput(this, 'QueueUrl', { description: 'Queue of accepted webhooks', value: queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { description: 'Send-outs that could not be delivered', value: deadLetterQueue.queueUrl });
    new CfnOutput(this, 'WebhookSecretArn', { description: 'Holds the Voucherify signing secret(s)', value: signingSecret.secretArn });
    new CfnOutput(this, 'PutWebhookSecretCommand', {
      description: 'Sets the signing secret; read it first without echo: read -rs VOUCHERIFY_WEBHOOK_SECRET',
      value: `aws secretsmanager put-secret-value --region ${this.region} --secret-id ${signingSecret.secretArn} --secret-string "$VOUCHERIFY_WEBHOOK_SECRET"`,
    });
    new CfnOutput(this, 'DeadLetterRedriveCommand', {
      description: 'Moves every DLQ message back to the queue once the cause is fixed',
      value: `aws sqs start-message-move-task --region ${this.region} --source-arn ${deadLetterQueue.queueArn} --destination-arn ${queue.queueArn}`,
    });
    new CfnOutput(this, 'IdempotencyTableName', { value: table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { description: 'Subscribe on-call tools here', value: notifications.topic.topicArn });
    if (forwardSigningSecret) {
      new CfnOutput(this, 'ForwardSigningSecretArn', {
        description: 'Key of the signature on forwarded messages; give it to the receiver',
        value: forwardSigningSecret.secretArn,
      });
    }
  }
}
