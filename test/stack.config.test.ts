import { describe, expect, test } from '@jest/globals';
import { queueMaxMessageBytes } from '../functions/shared/settings.ts';
import {
  readAppContext,
  readWebhookStackConfig,
  STACK_SETTINGS,
  WebhookStackConfigError,
  workerTimings,
} from '../lib/webhookStackConfig.ts';
import { buildStack, contextReader, HTTP_CONTEXT, SENDER_CONTEXT, SES_CONTEXT } from './support/webhookStack.ts';

/** The problems reported for a context, or [] when it is valid. */
function problemsOf(context: Record<string, unknown>): readonly string[] {
  try {
    readAppContext(contextReader({ ...SENDER_CONTEXT, ...context }));
    return [];
  } catch (error) {
    if (error instanceof WebhookStackConfigError) return error.problems;
    throw error;
  }
}

describe('reading the CDK context', () => {
  test('the documented defaults apply when the context gives only the SES sender', () => {
    const { stackName, nag, stack } = readAppContext(contextReader(SES_CONTEXT));
    expect(stackName).toBe('VoucherifySegmentWebhook');
    expect(nag).toBe(false);
    expect(stack).toMatchObject({
      delivery: {
        channel: 'ses',
        fromAddress: 'offers@shop.example',
        identity: 'shop.example',
        configurationSet: undefined,
        sandboxRecipients: [],
      },
      alarmEmail: undefined,
      throttlingRateLimit: STACK_SETTINGS.throttlingRateLimit.defaultValue,
      throttlingBurstLimit: STACK_SETTINGS.throttlingBurstLimit.defaultValue,
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      maxConcurrency: 2,
      workerTimeoutSeconds: 60,
      maxEventAgeSeconds: 14 * 86_400,
      logRetentionDays: 30,
    });
  });

  test('values from cdk.json may be numbers and booleans, values from -c are strings; both are read', () => {
    const fromJson = readAppContext(contextReader({ ...SES_CONTEXT, batchSize: 5, nag: true, throttlingRateLimit: 12.5 }));
    const fromCli = readAppContext(contextReader({ ...SES_CONTEXT, batchSize: '5', nag: 'true', throttlingRateLimit: '12.5' }));
    expect(fromJson).toEqual(fromCli);
    expect(fromCli.stack.batchSize).toBe(5);
    expect(fromCli.nag).toBe(true);
  });

  test('an empty value counts as unset, so -c key= falls back to the default', () => {
    expect(readWebhookStackConfig(contextReader({ ...SES_CONTEXT, batchSize: '', alarmEmail: ' ' }))).toMatchObject({
      batchSize: 10,
      alarmEmail: undefined,
    });
  });

  test('the http channel needs only its forward URL', () => {
    expect(readWebhookStackConfig(contextReader(HTTP_CONTEXT)).delivery).toEqual({
      channel: 'http',
      forwardUrl: 'https://crm.shop.example/hooks/voucherify',
    });
  });

  test('a subdomain sender may use its parent domain as the SES identity', () => {
    const config = readWebhookStackConfig(
      contextReader({ ...SENDER_CONTEXT, senderAddress: 'offers@mail.shop.example', sesIdentity: 'shop.example' }),
    );
    expect(config.delivery).toMatchObject({ identity: 'shop.example' });
  });
});

describe('refusing a stack that would deploy but not work', () => {
  test('the outbox channel is refused: it only exists for local runs', () => {
    expect(problemsOf({ deliveryChannel: 'outbox', senderAddress: 'offers@shop.example' })).toEqual([
      expect.stringMatching(/^deliveryChannel: outbox .*only for local runs.*deploy with ses or http/),
    ]);
  });

  test('an unknown channel is refused with the choices', () => {
    expect(problemsOf({ deliveryChannel: 'sms' })).toEqual(['deliveryChannel: must be ses or http, got "sms"']);
  });

  test('the SES channel needs a sender address', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^senderAddress: is required when deliveryChannel is ses/)]);
  });

  test.each(['offers', 'offers@', '@shop.example', 'Shop <offers@shop.example>', 'offers@shop', 'offers @shop.example'])(
    'the sender "%s" is refused: it must be a bare e-mail address',
    (address) => {
      expect(problemsOf({ senderAddress: address })).toEqual([expect.stringMatching(/^senderAddress: must be a bare e-mail address/)]);
    },
  );

  test('an SES identity the sender does not belong to is refused', () => {
    expect(problemsOf({ senderAddress: 'offers@shop.example', sesIdentity: 'other.example' })).toEqual([
      expect.stringMatching(/^sesIdentity: must be offers@shop.example itself or a domain it belongs to/),
    ]);
    expect(problemsOf({ senderAddress: 'offers@shop.example', sesIdentity: 'hop.example' })).toHaveLength(1);
  });

  test('an SES configuration set name and a sender name that would break the From header are refused', () => {
    expect(problemsOf({ ...SES_CONTEXT, sesConfigurationSet: 'my set', senderName: 'Shop "Best" <Deals>' })).toEqual([
      expect.stringMatching(/^sesConfigurationSet: must be an SES configuration set name/),
      expect.stringMatching(/^senderName: must be one line of at most 64 characters/),
    ]);
  });

  test('a sender name in any script is accepted: the worker encodes it for the From header', () => {
    expect(problemsOf({ ...SES_CONTEXT, senderName: 'Kawiarnia Łódź — Zoë' })).toEqual([]);
  });

  test.each([
    ['companyName', /^companyName: is required: the company every mail is from/],
    ['postalAddress', /^postalAddress: is required: the sender's postal address, which every marketing mail must carry/],
  ])('a deployment must state its %s: mails must not go out with a placeholder', (key, message) => {
    expect(problemsOf({ ...SES_CONTEXT, [key]: undefined })).toEqual([expect.stringMatching(message)]);
  });

  test.each([
    [{ replyTo: 'help desk' }, /^replyTo: must be a bare e-mail address/],
    [{ logoUrl: 'http://cdn.shop.example/logo.png' }, /^logoUrl: must be an https URL of an image/],
    [{ accentColor: 'blue' }, /^accentColor: must be a colour such as #1f5fbf/],
  ])('a sender detail %o that cannot go in a mail is refused', (context, message) => {
    expect(problemsOf({ ...SES_CONTEXT, ...context })).toEqual([expect.stringMatching(message)]);
  });

  test('sandbox recipients must be e-mail addresses', () => {
    expect(problemsOf({ ...SES_CONTEXT, sesSandboxRecipients: 'qa@shop.example,qa' })).toEqual([
      'sesSandboxRecipients: must be comma-separated e-mail addresses, got "qa"',
    ]);
  });

  test('the http channel needs a forward URL', () => {
    expect(problemsOf({ deliveryChannel: 'http' })).toEqual([
      expect.stringMatching(/^forwardUrl: is required when deliveryChannel is http/),
    ]);
  });

  test.each([
    ['http://crm.shop.example/hooks', /^forwardUrl: must use https/],
    ['crm.shop.example/hooks', /^forwardUrl: must be an absolute https URL/],
    ['https://user:password@crm.shop.example/hooks', /^forwardUrl: must not carry credentials/],
  ])('the forward URL %s is refused', (forwardUrl, message) => {
    expect(problemsOf({ deliveryChannel: 'http', forwardUrl })).toEqual([expect.stringMatching(message)]);
  });

  test('an alarm e-mail that is not an address is refused', () => {
    expect(problemsOf({ ...SES_CONTEXT, alarmEmail: 'ops-team' })).toEqual([
      expect.stringMatching(/^alarmEmail: must be a bare e-mail address/),
    ]);
  });

  test.each([
    [{ throttlingRateLimit: '0' }, /^throttlingRateLimit: must be between 1 and 10000, got 0$/],
    [{ throttlingRateLimit: 'fast' }, /^throttlingRateLimit: must be a number, got "fast"$/],
    [{ throttlingBurstLimit: '2.5' }, /^throttlingBurstLimit: must be an integer, got "2.5"$/],
    [{ throttlingBurstLimit: '6000' }, /^throttlingBurstLimit: must be between 1 and 5000/],
    [{ batchSize: '0' }, /^batchSize: must be between 1 and 10000/],
    [{ batchSize: '100' }, /^batchSize: above 10 needs maxBatchingWindowSeconds of at least 1/],
    [{ maxBatchingWindowSeconds: '301' }, /^maxBatchingWindowSeconds: must be between 0 and 300/],
    [{ maxConcurrency: '1' }, /^maxConcurrency: must be between 2 and 1000, got 1$/],
    [{ ingestMemoryMb: '64' }, /^ingestMemoryMb: must be between 128 and 10240/],
    [{ workerMemoryMb: '20000' }, /^workerMemoryMb: must be between 128 and 10240/],
    [{ workerTimeoutSeconds: '5' }, /^workerTimeoutSeconds: must be between 10 and 900/],
    [
      { deliveryTimeoutMs: '60000', workerTimeoutSeconds: '30' },
      /^deliveryTimeoutMs: with 500 ms for the calls around a delivery, must leave room in the worker timeout \(30000 ms\)/,
    ],
    [{ maxBodyBytes: String(1024 * 1024) }, /^maxBodyBytes: must be between 1024 and 1032192/],
    [{ maxEventAgeSeconds: String(16 * 86_400) }, /^maxEventAgeSeconds: must be between 0 and 1296000/],
    [{ enqueueTimeoutMs: '10000' }, /^enqueueTimeoutMs: must be between 100 and 9000/],
    [{ currency: 'euro' }, /^currency: must be an ISO 4217 code/],
    [{ locale: 'not a locale' }, /^locale: must be a BCP 47 language tag/],
    [{ timeZone: 'Mars/Olympus' }, /^timeZone: must be an IANA time zone/],
    [{ logLevel: 'VERBOSE' }, /^logLevel: must be one of DEBUG, INFO, WARN, ERROR/],
    [{ logRetentionDays: '10' }, /^logRetentionDays: must be one of CloudWatch Logs' periods/],
    [{ invalidSignatureAlarmThreshold: '0' }, /^invalidSignatureAlarmThreshold: must be between 1/],
    [{ stackName: '1-stack' }, /^stackName: must be a CloudFormation stack name/],
    [{ nag: 'maybe' }, /^nag: must be true or false/],
  ])('%o is refused with a message naming the key', (context, message) => {
    expect(problemsOf({ ...SES_CONTEXT, ...context })).toEqual([expect.stringMatching(message)]);
  });

  test('every problem is reported at once, in one error that says how to set a value', () => {
    let error: unknown;
    try {
      readAppContext(contextReader({ deliveryChannel: 'http', forwardUrl: 'http://x.example', maxConcurrency: '1', alarmEmail: 'x' }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WebhookStackConfigError);
    const { problems, message } = error as WebhookStackConfigError;
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'forwardUrl',
      'companyName',
      'postalAddress',
      'alarmEmail',
      'maxConcurrency',
    ]);
    expect(message).toContain('cdk deploy -c key=value');
    for (const problem of problems) expect(message).toContain(`  - ${problem}`);
  });

  test('a context value that is an object or a list is refused rather than stringified', () => {
    expect(problemsOf({ ...SES_CONTEXT, batchSize: [5] })).toEqual([expect.stringMatching(/^batchSize: must be a single value/)]);
  });

  test('the stack itself refuses the outbox channel at synth', () => {
    expect(() => buildStack({ deliveryChannel: 'outbox', senderAddress: 'offers@shop.example' })).toThrow(/outbox .*only for local runs/);
  });
});

describe('the timings derived from the configuration', () => {
  test('the lock outlives the worker timeout by 30 s and the visibility timeout is 6 × the timeout plus the batching window', () => {
    expect(workerTimings({ workerTimeoutSeconds: 60, maxBatchingWindowSeconds: 0 })).toEqual({
      workerTimeoutSeconds: 60,
      visibilityTimeoutSeconds: 360,
      idempotencyLockSeconds: 90,
    });
    expect(workerTimings({ workerTimeoutSeconds: 10, maxBatchingWindowSeconds: 20 }).visibilityTimeoutSeconds).toBe(80);
  });

  test.each([10, 30, 60, 300, 900])('with a %i s worker timeout the lock expires before the message is visible again', (timeout) => {
    const timings = workerTimings({ workerTimeoutSeconds: timeout, maxBatchingWindowSeconds: 0 });
    expect(timings.idempotencyLockSeconds).toBeGreaterThan(timeout);
    expect(timings.idempotencyLockSeconds).toBeLessThan(timings.visibilityTimeoutSeconds);
    expect(timings.visibilityTimeoutSeconds).toBeLessThanOrEqual(12 * 60 * 60);
  });

  test('a timing whose lock would outlive the visibility timeout is refused', () => {
    expect(() => workerTimings({ workerTimeoutSeconds: 5, maxBatchingWindowSeconds: 0 })).toThrow(
      /idempotency lock \(35 s\) must expire before the queue's visibility timeout \(30 s\)/,
    );
  });

  test('the queue takes the largest accepted body plus 16 KiB of attributes, within SQS’s 1 MiB', () => {
    expect(queueMaxMessageBytes(256 * 1024)).toBe(272 * 1024);
    expect(queueMaxMessageBytes(1024 * 1024 - 16 * 1024)).toBe(1024 * 1024);
  });
});
