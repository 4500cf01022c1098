import { loadDistributeConfig } from '../functions/distribute/config.ts';
import { ConfigurationError } from '../functions/shared/settings.ts';

const REQUIRED = {
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/webhooks',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  OUTBOX_FILE: '/tmp/outbox.jsonl',
  UNSUBSCRIBE_URL: 'https://hooks.shop.example/unsubscribe',
  UNSUBSCRIBE_SECRET: 'unsubscribe-secret',
  UNSUBSCRIBE_TABLE_NAME: 'unsubscribes',
};

const failureOf = (env: Record<string, string>) => {
  try {
    loadDistributeConfig(env);
  } catch (error) {
    return error;
  }
  throw new Error('expected a ConfigurationError');
};

describe('loadDistributeConfig', () => {
  test('defaults to the outbox channel unpaced, a 24 h maximum age, a 60 s lock, 15 days of retention, a 5 s delivery timeout, EUR, en-GB and UTC', () => {
    expect(loadDistributeConfig(REQUIRED)).toEqual({
      delivery: { channel: 'outbox', outboxFile: '/tmp/outbox.jsonl' },
      pacing: { ratePerSecond: undefined, concurrency: 2, maxSendOutAgeHours: 24 },
      queueUrl: REQUIRED.QUEUE_URL,
      deadLetterQueueUrl: REQUIRED.DEAD_LETTER_QUEUE_URL,
      idempotencyTableName: 'idempotency',
      idempotencyLockSeconds: 60,
      idempotencyRetentionDays: 15,
      deliveryTimeoutMs: 5000,
      formatting: { currency: 'EUR', locale: 'en-GB', timeZone: 'UTC' },
      unsubscribe: { url: REQUIRED.UNSUBSCRIBE_URL, secret: { value: 'unsubscribe-secret' }, tableName: 'unsubscribes' },
      sender: {
        address: undefined,
        name: 'Example Shop',
        companyName: 'Example Shop',
        postalAddress: 'Example Street 1, 00-001 Example City, Poland',
        logoUrl: undefined,
        accentColor: '#1f5fbf',
        replyTo: undefined,
      },
    });
  });

  test('reads the sender identity, signing with the sender name and falling back to the company name', () => {
    const env = {
      ...REQUIRED,
      COMPANY_NAME: 'Łódź Coffee Roasters',
      POSTAL_ADDRESS: 'ul. Piotrkowska 1, 90-001 Łódź, Poland',
      LOGO_URL: 'https://cdn.shop.example/logo.png',
      ACCENT_COLOR: '#aa3300',
      REPLY_TO: 'hello@shop.example',
    };
    expect(loadDistributeConfig(env).sender).toEqual({
      address: undefined,
      name: 'Łódź Coffee Roasters',
      companyName: 'Łódź Coffee Roasters',
      postalAddress: 'ul. Piotrkowska 1, 90-001 Łódź, Poland',
      logoUrl: 'https://cdn.shop.example/logo.png',
      accentColor: '#aa3300',
      replyTo: 'hello@shop.example',
    });
    expect(loadDistributeConfig({ ...env, SENDER_NAME: 'Ania from Łódź Coffee' }).sender.name).toBe('Ania from Łódź Coffee');
  });

  test('reads the ses channel with an optional configuration set', () => {
    const env = { ...REQUIRED, DELIVERY_CHANNEL: 'ses', SENDER_ADDRESS: 'hello@shop.example', SES_CONFIGURATION_SET: 'tx' };
    expect(loadDistributeConfig(env).delivery).toEqual({
      channel: 'ses',
      fromAddress: 'hello@shop.example',
      configurationSet: 'tx',
    });
  });

  test('reads the http channel with a secret given directly, which wins over an ARN', () => {
    const env = {
      ...REQUIRED,
      DELIVERY_CHANNEL: 'http',
      FORWARD_URL: 'https://crm.example/hooks',
      FORWARD_SIGNING_SECRET: 's3cret',
      FORWARD_SIGNING_SECRET_ARN: 'arn:x',
    };
    expect(loadDistributeConfig(env).delivery).toEqual({
      channel: 'http',
      forwardUrl: new URL('https://crm.example/hooks'),
      signingSecret: { value: 's3cret' },
    });
  });

  test('reads the http channel with a Secrets Manager secret, cached for five minutes by default', () => {
    const env = {
      ...REQUIRED,
      DELIVERY_CHANNEL: 'http',
      FORWARD_URL: 'https://crm.example/hooks',
      FORWARD_SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:x',
    };
    expect(loadDistributeConfig(env).delivery).toMatchObject({ signingSecret: { arn: 'arn:aws:secretsmanager:x', cacheTtlSeconds: 300 } });
  });

  test('reads every tunable', () => {
    const config = loadDistributeConfig({
      ...REQUIRED,
      IDEMPOTENCY_LOCK_SECONDS: '90',
      IDEMPOTENCY_RETENTION_DAYS: '30',
      DELIVERY_TIMEOUT_MS: '8000',
      CURRENCY: 'PLN',
      LOCALE: 'pl-PL',
      TIME_ZONE: 'Europe/Warsaw',
      SEND_RATE_PER_SECOND: '12.5',
      WORKER_MAX_CONCURRENCY: '4',
      MAX_SEND_OUT_AGE_HOURS: '6',
    });
    expect(config).toMatchObject({
      pacing: { ratePerSecond: 12.5, concurrency: 4, maxSendOutAgeHours: 6 },
      idempotencyLockSeconds: 90,
      idempotencyRetentionDays: 30,
      deliveryTimeoutMs: 8000,
      formatting: { currency: 'PLN', locale: 'pl-PL', timeZone: 'Europe/Warsaw' },
    });
  });

  test.each([
    ['the DLQ is missing', { DEAD_LETTER_QUEUE_URL: '' }, 'DEAD_LETTER_QUEUE_URL'],
    ['the queue to put records back on is missing', { QUEUE_URL: '' }, 'QUEUE_URL'],
    ['the rate is not a positive number', { SEND_RATE_PER_SECOND: '0' }, 'SEND_RATE_PER_SECOND'],
    ['the maximum age outlives the queue', { MAX_SEND_OUT_AGE_HOURS: '400' }, 'MAX_SEND_OUT_AGE_HOURS'],
    ['the idempotency table is missing', { IDEMPOTENCY_TABLE_NAME: ' ' }, 'IDEMPOTENCY_TABLE_NAME'],
    ['the channel is unknown', { DELIVERY_CHANNEL: 'sms' }, 'DELIVERY_CHANNEL'],
    ['the outbox has no file', { OUTBOX_FILE: '' }, 'OUTBOX_FILE'],
    ['ses has no sender', { DELIVERY_CHANNEL: 'ses' }, 'SENDER_ADDRESS'],
    ['ses has a sender that is not an address', { DELIVERY_CHANNEL: 'ses', SENDER_ADDRESS: 'Shop' }, 'SENDER_ADDRESS'],
    [
      'ses has a sender with a display name (the name is SENDER_NAME)',
      { DELIVERY_CHANNEL: 'ses', SENDER_ADDRESS: 'Shop <a@shop.example>' },
      'SENDER_ADDRESS',
    ],
    ['there is no unsubscribe page', { UNSUBSCRIBE_URL: '' }, 'UNSUBSCRIBE_URL'],
    ['the unsubscribe links could not be signed', { UNSUBSCRIBE_SECRET: '' }, 'UNSUBSCRIBE_SECRET'],
    ['the sender name would break the From header', { SENDER_NAME: 'Shop <evil@example.com>' }, 'SENDER_NAME'],
    ['the accent colour is not a colour', { ACCENT_COLOR: 'red; background:url(x)' }, 'ACCENT_COLOR'],
    ['the logo is not served over https', { LOGO_URL: 'http://cdn.shop.example/logo.png' }, 'LOGO_URL'],
    ['http has no URL', { DELIVERY_CHANNEL: 'http', FORWARD_SIGNING_SECRET: 's' }, 'FORWARD_URL'],
    [
      'http has a URL that is not http(s)',
      { DELIVERY_CHANNEL: 'http', FORWARD_URL: 'ftp://crm.example/', FORWARD_SIGNING_SECRET: 's' },
      'FORWARD_URL',
    ],
    ['http would forward unsigned', { DELIVERY_CHANNEL: 'http', FORWARD_URL: 'https://crm.example/' }, 'FORWARD_SIGNING_SECRET'],
    ['the lock is not a number', { IDEMPOTENCY_LOCK_SECONDS: 'a minute' }, 'IDEMPOTENCY_LOCK_SECONDS'],
    ['the lock is longer than any visibility timeout', { IDEMPOTENCY_LOCK_SECONDS: '43201' }, 'IDEMPOTENCY_LOCK_SECONDS'],
    ['a delivery could outlive its lock', { IDEMPOTENCY_LOCK_SECONDS: '5', DELIVERY_TIMEOUT_MS: '5000' }, 'DELIVERY_TIMEOUT_MS'],
    ['retention is zero', { IDEMPOTENCY_RETENTION_DAYS: '0' }, 'IDEMPOTENCY_RETENTION_DAYS'],
    ['the currency is not ISO 4217', { CURRENCY: 'euro' }, 'CURRENCY'],
    ['the locale is malformed', { LOCALE: 'en_GB!' }, 'LOCALE'],
    ['the time zone is unknown', { TIME_ZONE: 'Mars/Olympus' }, 'TIME_ZONE'],
  ])('refuses a configuration where %s, naming %s', (_name, overrides, variable) => {
    const error = failureOf({ ...REQUIRED, ...overrides });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ variable });
  });
});
