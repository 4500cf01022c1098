import { describe, expect, test } from '@jest/globals';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { IDEMPOTENCY_TABLE } from '../functions/distribute/idempotencyTable.ts';
import { INGEST_SETTINGS, METRICS_NAMESPACE, SERVICE_NAMES } from '../functions/shared/settings.ts';
import { FUNCTION_LOGICAL_IDS } from '../lib/functionNames.ts';
import { buildStack, HTTP_CONTEXT, resourceNamed, resourcesOfType, SES_CONTEXT, templateJson } from './support/webhookStack.ts';

const ses = buildStack();
const http = buildStack(HTTP_CONTEXT);
const tuned = buildStack({
  ...SES_CONTEXT,
  sesConfigurationSet: 'marketing',
  alarmEmail: 'oncall@shop.example',
  throttlingRateLimit: '25',
  throttlingBurstLimit: '50',
  batchSize: '50',
  maxBatchingWindowSeconds: '5',
  maxConcurrency: '3',
  ingestMemoryMb: '384',
  workerMemoryMb: '1024',
  workerTimeoutSeconds: '30',
  logRetentionDays: '90',
  currency: 'PLN',
  locale: 'pl-PL',
  timeZone: 'Europe/Warsaw',
  runtimeSourceMaps: 'true',
});

const functionProperties = (template: Template, logicalId: string): Record<string, unknown> => {
  const resource = templateJson(template).Resources[logicalId];
  if (!resource) throw new Error(`No resource ${logicalId}`);
  return resource.Properties ?? {};
};
const environmentOf = (template: Template, logicalId: string): Record<string, unknown> =>
  (functionProperties(template, logicalId).Environment as { Variables: Record<string, unknown> }).Variables;

const mainQueue = (template: Template) => resourceNamed(template, 'AWS::SQS::Queue', 'WebhooksQueue');
const deadLetterQueue = (template: Template) => resourceNamed(template, 'AWS::SQS::Queue', 'WebhooksDeadLetterQueue');

describe('the HTTP API', () => {
  test('routes POST /webhooks/voucherify to the ingest function, GET and POST /unsubscribe to the unsubscribe page, with payload format 2.0', () => {
    const routes = Object.values(resourcesOfType(ses.template, 'AWS::ApiGatewayV2::Route')).map((route) => route.Properties?.RouteKey);
    expect(routes.sort()).toEqual(['GET /unsubscribe', 'POST /unsubscribe', 'POST /webhooks/voucherify']);
    ses.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [FUNCTION_LOGICAL_IDS.unsubscribe, 'Arn'] },
    });
    ses.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [FUNCTION_LOGICAL_IDS.ingest, 'Arn'] },
    });
  });

  test('lets only that API invoke each function, and only from its deployed stage, method and route', () => {
    const permissions = Object.values(resourcesOfType(ses.template, 'AWS::Lambda::Permission')).map((permission) => permission.Properties);
    const invokes = permissions.map((permission) => {
      expect(permission).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
      const sourceArn = JSON.stringify(permission?.SourceArn);
      expect(sourceArn).toContain(':execute-api:');
      expect(sourceArn).not.toContain('*');
      const functionName = permission?.FunctionName as { 'Fn::GetAtt': string[] };
      return `${functionName['Fn::GetAtt'][0]} ${sourceArn.match(/\/\$default\/[A-Z]+\/[a-z/]+/)?.[0]}`;
    });
    expect(invokes.sort()).toEqual([
      `${FUNCTION_LOGICAL_IDS.ingest} /$default/POST/webhooks/voucherify`,
      `${FUNCTION_LOGICAL_IDS.unsubscribe} /$default/GET/unsubscribe`,
      `${FUNCTION_LOGICAL_IDS.unsubscribe} /$default/POST/unsubscribe`,
    ]);
  });

  test('throttles the default stage at the documented defaults', () => {
    ses.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
    });
  });

  test('throttles at the rate and burst given in context', () => {
    tuned.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 },
    });
  });

  test('writes one JSON access log line per request, without headers or bodies, to a log group with retention', () => {
    const stage = resourceNamed(ses.template, 'AWS::ApiGatewayV2::Stage', 'DefaultStage').properties;
    const settings = stage.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string };
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      sourceIp: '$context.identity.sourceIp',
      status: '$context.status',
      integrationError: '$context.integrationErrorMessage',
    });
    expect(settings.Format).not.toMatch(/header|body|signature/i);
    const [logGroupId] = settings.DestinationArn['Fn::GetAtt'];
    expect(templateJson(ses.template).Resources[logGroupId]?.Properties).toMatchObject({ RetentionInDays: 30 });
  });
});

describe('the two functions', () => {
  test.each(Object.entries(FUNCTION_LOGICAL_IDS))('the %s function runs Node.js 24 on arm64 under a pinned logical id', (_, logicalId) => {
    expect(functionProperties(ses.template, logicalId)).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
    });
  });

  test.each(Object.entries(FUNCTION_LOGICAL_IDS))(
    'the %s function sets the Powertools variables and leaves run-time source maps off',
    (name, logicalId) => {
      expect(environmentOf(ses.template, logicalId)).not.toHaveProperty('NODE_OPTIONS');
      expect(environmentOf(ses.template, logicalId)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: SERVICE_NAMES[name as keyof typeof SERVICE_NAMES],
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
    },
  );

  test.each(Object.values(FUNCTION_LOGICAL_IDS))('%s applies source maps at run time when runtimeSourceMaps is set', (logicalId) => {
    expect(environmentOf(tuned.template, logicalId)).toMatchObject({ NODE_OPTIONS: '--enable-source-maps' });
  });

  test.each(Object.values(FUNCTION_LOGICAL_IDS))(
    '%s logs to its own log group, kept 30 days by default and retained with the stack',
    (logicalId) => {
      const loggingConfig = functionProperties(ses.template, logicalId).LoggingConfig as { LogGroup: { Ref: string } };
      const logGroup = templateJson(ses.template).Resources[loggingConfig.LogGroup.Ref];
      expect(logGroup).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
    },
  );

  test('log retention, memory sizes and the worker timeout follow the context', () => {
    expect(functionProperties(tuned.template, FUNCTION_LOGICAL_IDS.ingest)).toMatchObject({ MemorySize: 384, Timeout: 10 });
    expect(functionProperties(tuned.template, FUNCTION_LOGICAL_IDS.distribute)).toMatchObject({ MemorySize: 1024, Timeout: 30 });
    const retentions = Object.values(resourcesOfType(tuned.template, 'AWS::Logs::LogGroup')).map(
      (group) => group.Properties?.RetentionInDays,
    );
    expect(retentions).toEqual([90, 90, 90, 90]);
  });

  test('the ingest answers within Voucherify’s 10 seconds and both functions default to 256 MB', () => {
    expect(functionProperties(ses.template, FUNCTION_LOGICAL_IDS.ingest)).toMatchObject({ Timeout: 10, MemorySize: 256 });
    expect(functionProperties(ses.template, FUNCTION_LOGICAL_IDS.distribute)).toMatchObject({ Timeout: 60, MemorySize: 256 });
  });

  test('the ingest gets its queue, its secret and its limits, and an empty direct secret that only local invokes fill', () => {
    const environment = environmentOf(ses.template, FUNCTION_LOGICAL_IDS.ingest);
    expect(environment).toMatchObject({
      QUEUE_URL: { Ref: mainQueue(ses.template).id },
      VOUCHERIFY_WEBHOOK_SECRET_ARN: { Ref: resourceNamed(ses.template, 'AWS::SecretsManager::Secret', 'WebhookSigningSecret').id },
      VOUCHERIFY_WEBHOOK_SECRET: '',
      SECRET_CACHE_TTL_SECONDS: '300',
      MAX_BODY_BYTES: String(INGEST_SETTINGS.maxBodyBytes.defaultValue ?? 0),
      MAX_EVENT_AGE_SECONDS: String(14 * 86_400),
      ENQUEUE_TIMEOUT_MS: '4000',
    });
  });

  test('the worker gets the DLQ, the idempotency table and its timings, with the lock outliving the timeout but not the visibility timeout', () => {
    const environment = environmentOf(ses.template, FUNCTION_LOGICAL_IDS.distribute);
    expect(environment).toMatchObject({
      DELIVERY_CHANNEL: 'ses',
      DEAD_LETTER_QUEUE_URL: { Ref: deadLetterQueue(ses.template).id },
      IDEMPOTENCY_TABLE_NAME: { Ref: resourceNamed(ses.template, 'AWS::DynamoDB::Table', 'IdempotencyTable').id },
      IDEMPOTENCY_RETENTION_DAYS: '15',
      DELIVERY_TIMEOUT_MS: '5000',
      CURRENCY: 'EUR',
      LOCALE: 'en-GB',
      TIME_ZONE: 'UTC',
      SENDER_ADDRESS: 'offers@shop.example',
    });
    const lockSeconds = Number(environment.IDEMPOTENCY_LOCK_SECONDS);
    const timeout = functionProperties(ses.template, FUNCTION_LOGICAL_IDS.distribute).Timeout as number;
    const visibility = mainQueue(ses.template).properties.VisibilityTimeout as number;
    expect(lockSeconds).toBeGreaterThan(timeout);
    expect(lockSeconds).toBeLessThan(visibility);
  });

  test('the worker gets the SES configuration set, formatting and the sender identity the context gives', () => {
    const named = buildStack({
      ...SES_CONTEXT,
      senderName: 'Ania from Shop Example',
      replyTo: 'help@shop.example',
      logoUrl: 'https://cdn.shop.example/logo.png',
    });
    expect(environmentOf(named.template, FUNCTION_LOGICAL_IDS.distribute)).toMatchObject({
      SENDER_ADDRESS: 'offers@shop.example',
      SENDER_NAME: 'Ania from Shop Example',
      REPLY_TO: 'help@shop.example',
      LOGO_URL: 'https://cdn.shop.example/logo.png',
      COMPANY_NAME: 'Shop Example Ltd',
      POSTAL_ADDRESS: 'Example Street 1, 00-001 Example City, Poland',
      ACCENT_COLOR: '#1f5fbf',
      UNSUBSCRIBE_TABLE_NAME: { Ref: resourceNamed(named.template, 'AWS::DynamoDB::Table', 'UnsubscribeTable').id },
      UNSUBSCRIBE_SECRET_ARN: { Ref: resourceNamed(named.template, 'AWS::SecretsManager::Secret', 'UnsubscribeSecret').id },
    });
    expect(JSON.stringify(environmentOf(named.template, FUNCTION_LOGICAL_IDS.distribute).UNSUBSCRIBE_URL)).toMatch(
      /execute-api.*\/unsubscribe"/,
    );
    expect(environmentOf(ses.template, FUNCTION_LOGICAL_IDS.distribute)).not.toHaveProperty('SENDER_NAME');
    expect(environmentOf(tuned.template, FUNCTION_LOGICAL_IDS.distribute)).toMatchObject({
      SES_CONFIGURATION_SET: 'marketing',
      CURRENCY: 'PLN',
      LOCALE: 'pl-PL',
      TIME_ZONE: 'Europe/Warsaw',
    });
    expect(environmentOf(ses.template, FUNCTION_LOGICAL_IDS.distribute)).not.toHaveProperty('SES_CONFIGURATION_SET');
  });

  test('with the http channel the worker gets the forward URL and a second secret, and nothing about SES', () => {
    const environment = environmentOf(http.template, FUNCTION_LOGICAL_IDS.distribute);
    expect(environment).toMatchObject({
      DELIVERY_CHANNEL: 'http',
      FORWARD_URL: 'https://crm.shop.example/hooks/voucherify',
      FORWARD_SIGNING_SECRET_ARN: { Ref: resourceNamed(http.template, 'AWS::SecretsManager::Secret', 'ForwardSigningSecret').id },
      FORWARD_SIGNING_SECRET: '',
      SECRET_CACHE_TTL_SECONDS: '300',
    });
    expect(Object.keys(environment).filter((name) => name.startsWith('SES_'))).toEqual([]);
    expect(Object.keys(environmentOf(ses.template, FUNCTION_LOGICAL_IDS.distribute)).filter((name) => name.startsWith('FORWARD_'))).toEqual(
      [],
    );
    http.template.resourceCountIs('AWS::SecretsManager::Secret', 3);
    ses.template.resourceCountIs('AWS::SecretsManager::Secret', 2);
  });
});

describe('the queue', () => {
  test('both queues are encrypted with SQS-managed keys and refuse requests without TLS', () => {
    for (const queue of [mainQueue(ses.template), deadLetterQueue(ses.template)]) {
      expect(queue.properties.SqsManagedSseEnabled).toBe(true);
      ses.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue.id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  test('dead-letters a message after 5 receives into a DLQ that keeps it 14 days, longer than the queue', () => {
    expect(mainQueue(ses.template).properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterQueue(ses.template).id, 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(deadLetterQueue(ses.template).properties.MessageRetentionPeriod).toBe(14 * 86_400);
    expect(mainQueue(ses.template).properties.MessageRetentionPeriod).toBe(4 * 86_400);
  });

  test.each([
    ['default', ses.template],
    ['tuned', tuned.template],
  ])('hides a received message for at least 6 times the worker timeout (%s context)', (_, template) => {
    const timeout = functionProperties(template, FUNCTION_LOGICAL_IDS.distribute).Timeout as number;
    expect(mainQueue(template).properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  test('accepts the largest body the ingest accepts plus its message attributes, on both queues', () => {
    for (const queue of [mainQueue(ses.template), deadLetterQueue(ses.template)]) {
      const size = queue.properties.MaximumMessageSize as number;
      expect(size).toBeGreaterThanOrEqual((INGEST_SETTINGS.maxBodyBytes.defaultValue ?? 0) + 8 * 1024);
      expect(size).toBeLessThanOrEqual(1024 * 1024);
    }
  });

  test('feeds the worker in batches of 10 with partial batch responses and at most 2 concurrent invocations by default', () => {
    ses.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: FUNCTION_LOGICAL_IDS.distribute },
      EventSourceArn: { 'Fn::GetAtt': [mainQueue(ses.template).id, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
  });

  test('takes batch size, batching window and maximum concurrency from the context', () => {
    tuned.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 3 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // 6 × 30 s timeout + the 5 s batching window, which a batch can also spend waiting.
    expect(mainQueue(tuned.template).properties.VisibilityTimeout).toBe(185);
  });
});

describe('the idempotency table', () => {
  test('is on-demand, keyed by the worker’s partition key, expires records by TTL and has point-in-time recovery', () => {
    ses.template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: IDEMPOTENCY_TABLE.timeToLiveAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('survives a stack deletion and refuses to be deleted by accident', () => {
    ses.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });
});

describe('the signing secret', () => {
  test('is created with a generated placeholder, so no secret value is ever in the template', () => {
    ses.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ ExcludePunctuation: true }),
      SecretString: Match.absent(),
    });
    expect(JSON.stringify(ses.template.toJSON())).not.toContain('test_secret_do_not_use');
  });
});

describe('the alarms', () => {
  const alarms = (template: Template) =>
    Object.entries(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map(([id, alarm]) => ({
      id,
      ...(alarm.Properties ?? {}),
    })) as Array<{ id: string } & Record<string, unknown>>;
  const alarm = (template: Template, prefix: string) => {
    const found = alarms(template).filter((candidate) => candidate.id.startsWith(`Alarms${prefix}`));
    if (found.length !== 1) throw new Error(`Expected one alarm ${prefix}`);
    return found[0] as { id: string } & Record<string, unknown>;
  };
  const topicRef = (template: Template) => ({ Ref: resourceNamed(template, 'AWS::SNS::Topic', 'AlarmsTopic').id });

  test('there is one alarm for each failure an operator must act on', () => {
    expect(
      alarms(ses.template)
        .map((candidate) => candidate.id.replace(/^Alarms|[0-9A-F]{8}$/g, ''))
        .sort(),
    ).toEqual([
      'Api5xxAlarm',
      'DeadLetterQueueNotEmptyAlarm',
      'IngestErrorsAlarm',
      'IngestThrottlesAlarm',
      'InvalidSignatureSpikeAlarm',
      'OldestMessageAgeAlarm',
      'PermanentFailureAlarm',
      'PossibleDuplicateDeliveryAlarm',
      'SendOutAgeAlarm',
      'WorkerErrorsAlarm',
      'WorkerMisconfiguredAlarm',
      'WorkerThrottlesAlarm',
    ]);
  });

  test('every alarm says what is affected and where to look, and notifies the one topic when it fires and when it clears', () => {
    for (const candidate of alarms(ses.template)) {
      const description = JSON.stringify(candidate.AlarmDescription);
      expect(description).toMatch(/^"?.*Affected: .+ Where to look: .+/);
      expect(candidate.AlarmActions).toEqual([topicRef(ses.template)]);
      expect(candidate.OKActions).toEqual([topicRef(ses.template)]);
      expect(candidate.TreatMissingData).toBe('notBreaching');
    }
  });

  test('a possible duplicate delivery fires an alarm on the first occurrence of either way it can happen', () => {
    const alarm = alarms(ses.template).find((candidate) => candidate.id.includes('PossibleDuplicateDeliveryAlarm'));
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    const metricNames = JSON.stringify(alarm?.Metrics);
    for (const name of ['DeliveryNotRecorded', 'not_recorded', 'lock_lost', 'ClaimTakenOver']) expect(metricNames).toContain(name);
  });

  test('the DLQ alarm fires on the first dead-lettered message and points at the redrive command', () => {
    expect(alarm(ses.template, 'DeadLetterQueueNotEmptyAlarm')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueue(ses.template).id, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(JSON.stringify(alarm(ses.template, 'DeadLetterQueueNotEmptyAlarm').AlarmDescription)).toContain('DeadLetterRedriveCommand');
  });

  test('the oldest-message alarm fires at a quarter of the maximum send-out age by default, long before send-outs expire', () => {
    expect(alarm(ses.template, 'OldestMessageAgeAlarm')).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [mainQueue(ses.template).id, 'QueueName'] } }],
      Threshold: 6 * 60 * 60,
    });
  });

  test('the send-out age alarm follows a send-out across its deferrals, at the same threshold', () => {
    expect(alarm(ses.template, 'SendOutAgeAlarm')).toMatchObject({
      MetricName: 'OldestSendOutAgeSeconds',
      Statistic: 'Maximum',
      Dimensions: [{ Name: 'service', Value: 'voucherify-webhook-distribute' }],
      Threshold: 6 * 60 * 60,
    });
  });

  test('the API alarm counts 5xx answers on the default stage', () => {
    expect(alarm(ses.template, 'Api5xxAlarm')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Statistic: 'Sum',
      Dimensions: [
        { Name: 'ApiId', Value: { Ref: resourceNamed(ses.template, 'AWS::ApiGatewayV2::Api', 'WebhookApi').id } },
        { Name: 'Stage', Value: '$default' },
      ],
    });
  });

  test.each([
    ['IngestErrorsAlarm', 'Errors', FUNCTION_LOGICAL_IDS.ingest],
    ['IngestThrottlesAlarm', 'Throttles', FUNCTION_LOGICAL_IDS.ingest],
    ['WorkerErrorsAlarm', 'Errors', FUNCTION_LOGICAL_IDS.distribute],
    ['WorkerThrottlesAlarm', 'Throttles', FUNCTION_LOGICAL_IDS.distribute],
  ])('%s fires on the first %s of %s', (name, metricName, logicalId) => {
    expect(alarm(ses.template, name)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId } }],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });

  test('the signature alarm counts the ingest’s invalid_signature rejections against the threshold in context', () => {
    const expected = {
      Namespace: METRICS_NAMESPACE,
      MetricName: 'WebhookRejected',
      Dimensions: [
        { Name: 'Reason', Value: 'invalid_signature' },
        { Name: 'service', Value: SERVICE_NAMES.ingest },
      ],
      Statistic: 'Sum',
    };
    expect(alarm(ses.template, 'InvalidSignatureSpikeAlarm')).toMatchObject({ ...expected, Threshold: 10 });
    const strict = buildStack({ ...SES_CONTEXT, invalidSignatureAlarmThreshold: '3' });
    expect(alarm(strict.template, 'InvalidSignatureSpikeAlarm')).toMatchObject({ ...expected, Threshold: 3 });
  });

  test('the permanent-failure alarm sums the worker’s PermanentFailure metric over every reason', () => {
    const permanent = alarm(ses.template, 'PermanentFailureAlarm');
    expect(permanent.Threshold).toBe(1);
    expect(permanent.Metrics).toEqual([
      expect.objectContaining({
        Expression: `SELECT SUM(PermanentFailure) FROM "${METRICS_NAMESPACE}" WHERE service = '${SERVICE_NAMES.distribute}'`,
        Period: 300,
        ReturnData: true,
      }),
    ]);
  });

  test('the misconfiguration alarm watches the worker’s ConfigurationError metric', () => {
    expect(alarm(ses.template, 'WorkerMisconfiguredAlarm')).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: 'ConfigurationError',
      Dimensions: [{ Name: 'service', Value: SERVICE_NAMES.distribute }],
      Threshold: 1,
    });
  });

  test('the alarm topic refuses publishing without TLS', () => {
    ses.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef(ses.template)],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  test('the alarm e-mail is subscribed only when the context names one', () => {
    ses.template.resourceCountIs('AWS::SNS::Subscription', 0);
    tuned.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@shop.example',
      TopicArn: topicRef(tuned.template),
    });
  });
});

describe('the outputs', () => {
  const outputs = (template: Template) => templateJson(template).Outputs ?? {};
  const text = (value: unknown) => JSON.stringify(value);

  test('give the webhook URL to paste into Voucherify', () => {
    const url = text(outputs(ses.template).WebhookUrl?.Value);
    expect(url).toContain('https://');
    expect(url).toContain('.execute-api.');
    expect(url).toMatch(/\/webhooks\/voucherify"\]\]\}$/);
  });

  test('give the queue and DLQ URLs, the secret ARN and the idempotency table', () => {
    expect(outputs(ses.template)).toMatchObject({
      QueueUrl: { Value: { Ref: mainQueue(ses.template).id } },
      DeadLetterQueueUrl: { Value: { Ref: deadLetterQueue(ses.template).id } },
      WebhookSecretArn: { Value: { Ref: resourceNamed(ses.template, 'AWS::SecretsManager::Secret', 'WebhookSigningSecret').id } },
      IdempotencyTableName: { Value: { Ref: resourceNamed(ses.template, 'AWS::DynamoDB::Table', 'IdempotencyTable').id } },
    });
    expect(outputs(http.template).ForwardSigningSecretArn).toBeDefined();
    expect(outputs(ses.template).ForwardSigningSecretArn).toBeUndefined();
  });

  test('give the command that moves the DLQ back onto the queue', () => {
    const command = text(outputs(ses.template).DeadLetterRedriveCommand?.Value);
    expect(command).toContain('aws sqs start-message-move-task');
    expect(command).toContain(`--source-arn ",{"Fn::GetAtt":["${deadLetterQueue(ses.template).id}","Arn"]}`);
    expect(command).toContain(`--destination-arn ",{"Fn::GetAtt":["${mainQueue(ses.template).id}","Arn"]}`);
  });

  test('give the command that sets the signing secret without putting it on the command line', () => {
    const command = text(outputs(ses.template).PutWebhookSecretCommand?.Value);
    expect(command).toContain('aws secretsmanager put-secret-value');
    expect(command).toContain('--secret-string \\"$VOUCHERIFY_WEBHOOK_SECRET\\"');
  });
});

type PolicyStatementJson = { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Condition?: unknown };

describe('what a first deploy depends on', () => {
  const topicStatements = (template: Template): PolicyStatementJson[] =>
    Object.values(resourcesOfType(template, 'AWS::SNS::TopicPolicy')).flatMap(
      (policy) => (policy.Properties!.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement,
    );

  test('CloudWatch alarms of this account may publish to the alarm topic, which still refuses plain HTTP', () => {
    const statements = topicStatements(ses.template);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': expect.objectContaining({ 'Fn::Join': expect.any(Array) }) },
          },
        }),
      ]),
    );
    const allow = statements.find((statement) => statement.Effect === 'Allow');
    expect(JSON.stringify(allow)).toContain(':alarm:*');
  });

  test('every alarm notifies that topic', () => {
    const topic = Object.keys(resourcesOfType(ses.template, 'AWS::SNS::Topic'))[0];
    for (const alarm of Object.values(resourcesOfType(ses.template, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: topic }]);
    }
  });
});

describe('queue encryption', () => {
  test('is SQS-managed by default, with no key of the stack', () => {
    expect(resourcesOfType(ses.template, 'AWS::KMS::Key')).toEqual({});
    for (const queue of Object.values(resourcesOfType(ses.template, 'AWS::SQS::Queue'))) {
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    }
  });

  describe('with -c queueEncryption=kms', () => {
    const kms = buildStack({ ...SES_CONTEXT, queueEncryption: 'kms' });
    const [keyId, key] = Object.entries(resourcesOfType(kms.template, 'AWS::KMS::Key'))[0] ?? [];
    const statements = (key?.Properties?.KeyPolicy as { Statement: PolicyStatementJson[] } | undefined)?.Statement ?? [];

    test('encrypts both queues with one rotated key of the stack', () => {
      expect(key?.Properties).toMatchObject({ EnableKeyRotation: true });
      const queues = Object.values(resourcesOfType(kms.template, 'AWS::SQS::Queue'));
      expect(queues).toHaveLength(2);
      for (const queue of queues) expect(queue.Properties).toMatchObject({ KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    });

    test('lets the account administer the key but not use it, and only the two functions use it, through SQS', () => {
      const actionsOf = (statement: PolicyStatementJson) => [statement.Action].flat();
      const admin = statements.find((statement) => JSON.stringify(statement.Principal).includes(':root'));
      expect(admin).toBeDefined();
      expect(actionsOf(admin!)).not.toEqual(expect.arrayContaining(['kms:Decrypt']));
      expect(actionsOf(admin!).some((action) => /^kms:(\*|Decrypt|Encrypt|GenerateDataKey|ReEncrypt)/.test(action))).toBe(false);
      const users = statements.filter((statement) => actionsOf(statement).includes('kms:Decrypt'));
      expect(users).toHaveLength(1);
      const principals = JSON.stringify(users[0]!.Principal);
      expect(principals).toContain('IngestRole');
      expect(principals).toContain('DistributeRole');
      expect(users[0]!.Condition).toEqual({
        StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sqs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
      });
    });
  });
});
