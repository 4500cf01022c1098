/**
 * The worker's decisions, with in-memory dependencies: what each record becomes, which steps run
 * in which order, and that one record never affects another. The same paths are exercised against
 * real local servers in distribute.worker.test.ts.
 */
import { createDistributeHandler } from '../functions/distribute/distributeHandler.ts';
import { distributeRecord } from '../functions/distribute/distributeRecord.ts';
import {
  DeadLetterQueueError,
  IdempotencyStoreError,
  PermanentDeliveryError,
  TransientDeliveryError,
} from '../functions/distribute/errors.ts';
import { MESSAGE_ATTRIBUTE } from '../functions/shared/webhookContract.ts';
import { lambdaContext, localQueueArn, sqsEvent, sqsRecord } from '../local/lambdaEvents.ts';
import { captureOutput } from './support/captureOutput.ts';
import { fakeDependencies, queuedWebhook, runDistributeBatch } from './support/distributeFakes.ts';
import { readFixture } from './support/fixtures.ts';
import { freshFixtureBody, sendOutBody } from './support/segmentEnteredWebhooks.ts';

const idOf = (body: string) => (JSON.parse(body) as { id: string }).id;

describe('distributeRecord', () => {
  test('claims the send-out, delivers it, then records it as completed', async () => {
    const dependencies = fakeDependencies();
    const body = sendOutBody('unique_code');
    const webhook = queuedWebhook(body);
    await expect(distributeRecord(webhook, dependencies)).resolves.toMatchObject({
      messageId: webhook.messageId,
      outcome: 'delivered',
      completion: 'completed',
      templateKey: 'default',
      identity: {
        envelopeId: idOf(body),
        eventId: 'evcus_0f3a9c27d41b8e5a61',
        distributionId: 'distr_8KqZt3WvLc0RbYn5HsPd2Ue6Xa',
        kind: 'unique_code',
      },
    });
    const id = idOf(body);
    expect(dependencies.calls).toEqual([`claim:${id}`, `deliver:${id}`, `complete:${id}`]);
  });

  test('skips a send-out delivered before as a duplicate, without delivering', async () => {
    const dependencies = fakeDependencies();
    const body = sendOutBody('plain_message');
    await distributeRecord(queuedWebhook(body), dependencies);
    await expect(distributeRecord(queuedWebhook(body), dependencies)).resolves.toMatchObject({ outcome: 'skipped', reason: 'duplicate' });
    expect(dependencies.channel.delivered).toHaveLength(1);
  });

  test('skips a customer without an e-mail address as no_contact before claiming anything', async () => {
    const dependencies = fakeDependencies();
    await expect(distributeRecord(queuedWebhook(readFixture('segment-entered-minimal.json')), dependencies)).resolves.toMatchObject({
      outcome: 'skipped',
      reason: 'no_contact',
      identity: { envelopeId: 'whs_0f3a9c27d41b8e5a64' },
    });
    expect(dependencies.calls).toEqual([]);
  });

  const HOSTILE_ADDRESSES = [
    '"Bank" <x@evil.example>',
    'alex@example.com, boss@example.com',
    'alex@example.com; boss@example.com',
    'alex@example.com\r\nBcc: everyone@example.com',
    '<alex@example.com>',
    'alex example.com',
    `${'a'.repeat(65)}@example.com`,
    `alex@${'a'.repeat(250)}.com`,
    'alex@localhost',
  ];

  test.each(HOSTILE_ADDRESSES)(
    'skips an address that is not one bare mailbox (%j) as invalid_contact, before claiming anything',
    async (email) => {
      const dependencies = fakeDependencies();
      await expect(
        distributeRecord(queuedWebhook(sendOutBody('unique_code', { customer: { email } })), dependencies),
      ).resolves.toMatchObject({
        outcome: 'skipped',
        reason: 'invalid_contact',
      });
      expect(dependencies.calls).toEqual([]);
      expect(dependencies.deadLetters.sent).toEqual([]);
    },
  );

  test('gives the http channel no address rather than an unusable one', async () => {
    const dependencies = fakeDependencies({ requiresEmail: false });
    const body = sendOutBody('plain_message', { customer: { email: '"Bank" <x@evil.example>' } });
    await expect(distributeRecord(queuedWebhook(body), dependencies)).resolves.toMatchObject({ outcome: 'delivered' });
    expect(dependencies.channel.delivered[0]?.to).toBeUndefined();
  });

  test('trims blanks around an otherwise bare address and delivers to it', async () => {
    const dependencies = fakeDependencies();
    const body = sendOutBody('plain_message', { customer: { email: '  alex.kowalski@example.com ' } });
    await expect(distributeRecord(queuedWebhook(body), dependencies)).resolves.toMatchObject({ outcome: 'delivered' });
    expect(dependencies.channel.delivered[0]?.to).toBe('alex.kowalski@example.com');
  });

  test('delivers to a customer without an e-mail address when the channel does not need one', async () => {
    const dependencies = fakeDependencies({ requiresEmail: false });
    await expect(distributeRecord(queuedWebhook(readFixture('segment-entered-minimal.json')), dependencies)).resolves.toMatchObject({
      outcome: 'delivered',
    });
  });

  test.each([
    ['malformed JSON', 'malformed_body', 'body is not a JSON object', readFixture('invalid-truncated.json.txt')],
    ['a JSON array', 'malformed_body', 'body is not a JSON object', '[1,2]'],
    ['a body without a customer', 'invalid_payload', 'data.customer: is required', readFixture('invalid-missing-customer.json')],
    ['a segment without an id', 'invalid_payload', 'data.segment.id: is required', readFixture('invalid-segment-without-id.json')],
  ])('sends %s to the DLQ as %s (%s), without claiming or delivering', async (_name, reason, detail, body) => {
    const dependencies = fakeDependencies();
    const webhook = queuedWebhook(body, { [MESSAGE_ATTRIBUTE.envelopeId]: 'whs_from_attribute' });
    await expect(distributeRecord(webhook, dependencies)).resolves.toMatchObject({
      outcome: 'permanent_failure',
      reason,
      detail,
      deadLettered: true,
      identity: { envelopeId: 'whs_from_attribute' },
    });
    expect(dependencies.deadLetters.sent).toEqual([{ webhook, deadLetter: { reason, detail } }]);
    expect(dependencies.calls).toEqual([`deadLetter:${webhook.messageId}`]);
  });

  test('acknowledges an event that is not customer.segment.entered without acting on it', async () => {
    const dependencies = fakeDependencies();
    await expect(distributeRecord(queuedWebhook(readFixture('other-event-segment-left.json')), dependencies)).resolves.toMatchObject({
      outcome: 'skipped',
      reason: 'unhandled_event_type',
    });
    expect(dependencies.calls).toEqual([]);
  });

  test('sends a send-out whose template is broken to the DLQ as template_error, before claiming it', async () => {
    const dependencies = { ...fakeDependencies(), overrides: { 'welcome-new-customers': { subject: '{{#customer.name}}unclosed' } } };
    const webhook = queuedWebhook(sendOutBody('plain_message'));
    await expect(distributeRecord(webhook, dependencies)).resolves.toMatchObject({
      outcome: 'permanent_failure',
      reason: 'template_error',
      detail: expect.stringMatching(/Unclosed section "customer\.name"/),
    });
    expect(dependencies.calls).toEqual([`deadLetter:${webhook.messageId}`]);
  });

  test('reports a transient delivery failure for retry and gives the claim up so the retry can deliver', async () => {
    const dependencies = fakeDependencies();
    dependencies.channel.failures.push(new TransientDeliveryError('throttled', 'ses:TooManyRequestsException:429'));
    const body = sendOutBody('promotion');
    await expect(distributeRecord(queuedWebhook(body), dependencies)).resolves.toMatchObject({
      outcome: 'transient_failure',
      reason: 'delivery_unavailable',
      detail: 'ses:TooManyRequestsException:429',
    });
    const id = idOf(body);
    expect(dependencies.calls).toEqual([`claim:${id}`, `deliver:${id}`, `release:${id}`]);
    await expect(distributeRecord(queuedWebhook(body), dependencies)).resolves.toMatchObject({ outcome: 'delivered' });
  });

  test('treats an unclassified error from a channel as transient', async () => {
    const dependencies = fakeDependencies();
    dependencies.channel.failures.push(new RangeError('bug'));
    await expect(distributeRecord(queuedWebhook(sendOutBody('promotion')), dependencies)).resolves.toMatchObject({
      outcome: 'transient_failure',
      detail: 'RangeError',
    });
  });

  test('sends a message the channel refuses for good to the DLQ, after giving the claim up for a later redrive', async () => {
    const dependencies = fakeDependencies();
    dependencies.channel.failures.push(new PermanentDeliveryError('rejected', 'ses:MessageRejected:400'));
    const body = sendOutBody('unique_code');
    const webhook = queuedWebhook(body);
    await expect(distributeRecord(webhook, dependencies)).resolves.toMatchObject({
      outcome: 'permanent_failure',
      reason: 'delivery_rejected',
      detail: 'ses:MessageRejected:400',
      deadLettered: true,
    });
    const id = idOf(body);
    expect(dependencies.calls).toEqual([`claim:${id}`, `deliver:${id}`, `release:${id}`, `deadLetter:${webhook.messageId}`]);
    expect(dependencies.idempotency.records.has(id)).toBe(false);
  });

  test('leaves a permanently failed record on the queue when the DLQ refuses it too', async () => {
    const dependencies = fakeDependencies();
    dependencies.deadLetters.failWith = new DeadLetterQueueError('down', 'sqs:QueueDoesNotExist');
    await expect(distributeRecord(queuedWebhook('not json'), dependencies)).resolves.toMatchObject({
      outcome: 'permanent_failure',
      deadLettered: false,
      deadLetterDetail: 'sqs:QueueDoesNotExist',
    });
  });

  test('never delivers without holding the claim: an unreachable idempotency table is a transient failure', async () => {
    const dependencies = fakeDependencies();
    dependencies.idempotency.failWith = new IdempotencyStoreError('down', 'dynamodb:TimeoutError');
    await expect(distributeRecord(queuedWebhook(sendOutBody('plain_message')), dependencies)).resolves.toMatchObject({
      outcome: 'transient_failure',
      reason: 'idempotency_unavailable',
      detail: 'dynamodb:TimeoutError',
    });
    expect(dependencies.channel.delivered).toHaveLength(0);
  });

  test('reports a send-out claimed by another worker as transient, without delivering', async () => {
    const dependencies = fakeDependencies();
    const body = sendOutBody('plain_message');
    await dependencies.idempotency.claim(idOf(body));
    await expect(distributeRecord(queuedWebhook(body), dependencies)).resolves.toMatchObject({
      outcome: 'transient_failure',
      reason: 'in_progress_elsewhere',
    });
    expect(dependencies.channel.delivered).toHaveLength(0);
  });

  test('acknowledges a delivered send-out whose completion could not be recorded, and says so', async () => {
    const dependencies = fakeDependencies();
    const complete = dependencies.idempotency.complete.bind(dependencies.idempotency);
    dependencies.idempotency.complete = async (...args) => {
      await complete(...args);
      throw new IdempotencyStoreError('down', 'dynamodb:TimeoutError');
    };
    await expect(distributeRecord(queuedWebhook(sendOutBody('plain_message')), dependencies)).resolves.toMatchObject({
      outcome: 'delivered',
      completion: 'not_recorded',
    });
  });
});

describe('the distribute handler on a batch', () => {
  test('reports only the records to retry, and never the batch as a whole', async () => {
    const dependencies = fakeDependencies();
    const throttled = queuedWebhook(sendOutBody('unique_code'));
    const poison = queuedWebhook('{"half":');
    const minimal = queuedWebhook(readFixture('segment-entered-minimal.json'));
    const fine = [queuedWebhook(freshFixtureBody('segment-entered-plain-message.json')), queuedWebhook(sendOutBody('promotion'))];
    dependencies.channel.failures.push(new TransientDeliveryError('throttled', 'ses:TooManyRequestsException:429'));

    const result = await runDistributeBatch([throttled, poison, ...fine, minimal], dependencies);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: throttled.messageId }]);
    expect(result.outcomes.map((outcome) => outcome?.outcome)).toEqual([
      'transient_failure',
      'permanent_failure',
      'delivered',
      'delivered',
      'skipped',
    ]);
    expect(dependencies.deadLetters.sent.map(({ webhook }) => webhook.messageId)).toEqual([poison.messageId]);
  });

  test('counts and logs an invalid contact without the address', async () => {
    const email = 'victim@example.com\r\nBcc: list@evil.example';
    const result = await runDistributeBatch([queuedWebhook(sendOutBody('promotion', { customer: { email } }))], fakeDependencies());
    expect(result.batchItemFailures).toEqual([]);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'skipped', reason: 'invalid_contact' });
    expect(result.lines).toEqual(expect.arrayContaining([expect.objectContaining({ Skipped: 1, Reason: 'invalid_contact' })]));
    expect(JSON.stringify(result.lines)).not.toMatch(/victim|evil\.example/);
  });

  test('publishes the age of the oldest send-out in the batch since it was first queued, across deferrals', async () => {
    const twoHoursAgo = String(Date.now() - 2 * 60 * 60 * 1000);
    const result = await runDistributeBatch(
      [
        queuedWebhook(sendOutBody('plain_message')),
        queuedWebhook(sendOutBody('promotion'), { [MESSAGE_ATTRIBUTE.firstQueuedAt]: twoHoursAgo }),
      ],
      fakeDependencies(),
    );
    const ages = result.lines.filter((line) => 'OldestSendOutAgeSeconds' in line).map((line) => line.OldestSendOutAgeSeconds);
    expect(ages).toHaveLength(1);
    expect(ages[0]).toBeGreaterThanOrEqual(7200);
    expect(ages[0]).toBeLessThan(7260);
  });

  test('publishes one metric line per outcome and reason, with the count of the batch', async () => {
    const dependencies = fakeDependencies();
    const bodies = [sendOutBody('plain_message'), sendOutBody('plain_message'), readFixture('segment-entered-minimal.json')];
    const result = await runDistributeBatch(
      bodies.map((body) => queuedWebhook(body)),
      dependencies,
    );
    const metrics = result.lines.filter((line) => '_aws' in line);
    expect(metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Delivered: 2, Kind: 'plain_message' }),
        expect.objectContaining({ Skipped: 1, Reason: 'no_contact' }),
        expect.objectContaining({ RecordsReceived: 3 }),
      ]),
    );
    expect(metrics).toHaveLength(3);
  });

  test('contains an unexpected exception to its own record, and logs its stack without its message', async () => {
    const dependencies = fakeDependencies();
    const fine = queuedWebhook(sendOutBody('plain_message'));
    const bomb = queuedWebhook(sendOutBody('unique_code'));
    const result = await runDistributeBatch([bomb, fine], {
      ...dependencies,
      // Only the unique code's discount is written as money: a bug that breaks that record alone.
      format: {
        ...dependencies.format,
        money: () => {
          throw new TypeError('a bug with alex@example.com in it');
        },
      },
    });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: bomb.messageId }]);
    expect(result.outcomes[0]).toMatchObject({
      outcome: 'transient_failure',
      reason: 'unexpected_error',
      detail: 'TypeError',
      stack: expect.stringMatching(/^TypeError\n/),
    });
    expect(JSON.stringify(result.lines)).not.toContain('alex@example.com');
    expect(result.outcomes[1]).toMatchObject({ outcome: 'delivered' });
  });

  test('delivers a send-out that appears twice in one batch once, and retries the other copy', async () => {
    const dependencies = fakeDependencies();
    const body = sendOutBody('unique_code');
    const [first, second] = [queuedWebhook(body), queuedWebhook(body)];
    const result = await runDistributeBatch([first, second], dependencies);
    expect(dependencies.channel.delivered).toHaveLength(1);
    expect(result.batchItemFailures).toHaveLength(1);
    const [retried] = result.batchItemFailures;
    const retry = await runDistributeBatch([retried?.itemIdentifier === first.messageId ? first : second], dependencies);
    expect(retry.outcomes[0]).toMatchObject({ outcome: 'skipped', reason: 'duplicate' });
    expect(dependencies.channel.delivered).toHaveLength(1);
  });

  test('reports every record as failed, and delivers nothing, when the function is misconfigured', async () => {
    const output = captureOutput();
    try {
      const handler = createDistributeHandler({ DELIVERY_CHANNEL: 'sms' });
      const records = [1, 2].map((n) => sqsRecord({ messageId: `m${n}`, receiptHandle: `r${n}`, body: '{}' }, localQueueArn('webhooks')));
      expect(await handler(sqsEvent(records), lambdaContext('distribute'))).toEqual({
        batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }],
      });
      expect(output.json()).toEqual(expect.arrayContaining([expect.objectContaining({ ConfigurationError: 1 })]));
    } finally {
      output.restore();
    }
  });
});
