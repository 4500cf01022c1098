import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { createIngestHandler } from '../functions/ingest/ingestHandler.ts';
import { staticSigningSecrets } from '../functions/ingest/signingSecrets.ts';
import { INGEST_SETTINGS } from '../functions/shared/settings.ts';
import { MESSAGE_ATTRIBUTE, parseWebhook } from '../functions/shared/webhookContract.ts';
import { FUNCTION_LOGICAL_IDS } from '../lib/functionNames.ts';
import { lambdaContext } from '../local/lambdaEvents.ts';
import { EVENTS_DIR, generateEvents, SAMPLE_SECRET } from '../scripts/generate-events.ts';
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';
import { DELIVERABLE_FIXTURES, EXPECTED_INGEST_STATUS, fixtureNames, fixtureSignatures, readFixture } from './support/fixtures.ts';
import { InMemoryWebhookQueue } from './support/inMemoryQueue.ts';
import { buildStack, templateJson } from './support/webhookStack.ts';

const generated = await generateEvents();
const readEvent = <T>(name: string): T => JSON.parse(readFileSync(join(EVENTS_DIR, name), 'utf8')) as T;
const stemOf = (fixture: string) => fixture.replace(/\.json(\.txt)?$/, '');
const envVars = readEvent<Record<string, Record<string, string>>>('env.json');

describe('events/ is what npm run events generates', () => {
  test('no committed file is missing, extra or stale (run `npm run events` to refresh)', () => {
    expect(readdirSync(EVENTS_DIR).sort()).toEqual([...generated.keys()].sort());
    for (const [name, content] of generated) {
      expect({ name, content: readFileSync(join(EVENTS_DIR, name), 'utf8') }).toEqual({ name, content });
    }
  });

  test('generating twice gives the same bytes, so the freshness check cannot flap', async () => {
    expect(await generateEvents()).toEqual(generated);
  });
});

describe('the API Gateway events', () => {
  test.each(fixtureNames())('the event for %s carries the fixture’s exact bytes, signed as Voucherify signs them', (fixture) => {
    const event = readEvent<APIGatewayProxyEventV2>(`api-${stemOf(fixture)}.json`);
    expect(event).toMatchObject({ version: '2.0', routeKey: 'POST /webhooks/voucherify', isBase64Encoded: false });
    expect(event.body).toBe(readFixture(fixture));
    // The sample secret is the fixtures' own, so each signature is the one signatures.json records.
    expect(event.headers['x-voucherify-signature']).toBe(fixtureSignatures(fixture).hmac_raw);
  });

  describe('given to the ingest handler configured as events/env.json configures it', () => {
    let output: CapturedOutput;
    beforeEach(() => {
      output = captureOutput();
    });
    afterEach(() => output.restore());

    const ingest = envVars[FUNCTION_LOGICAL_IDS.ingest] ?? {};
    const handlerWith = (queue: InMemoryWebhookQueue) =>
      createIngestHandler(
        {},
        {
          dependencies: {
            secrets: staticSigningSecrets(ingest.VOUCHERIFY_WEBHOOK_SECRET),
            queue,
            maxBodyBytes: INGEST_SETTINGS.maxBodyBytes.defaultValue ?? 0,
            maxEventAgeSeconds: Number(ingest.MAX_EVENT_AGE_SECONDS),
          },
        },
      );

    test.each(Object.entries(EXPECTED_INGEST_STATUS))('the event for %s is answered %i', async (fixture, status) => {
      const queue = new InMemoryWebhookQueue();
      const response = await handlerWith(queue)(readEvent(`api-${stemOf(fixture)}.json`), lambdaContext('ingest', 10_000));
      expect(response.statusCode).toBe(status);
      expect(queue.messages).toHaveLength(status === 202 ? 1 : 0);
    });

    test('the wrongly signed event is refused with 401 and nothing is queued', async () => {
      const queue = new InMemoryWebhookQueue();
      const response = await handlerWith(queue)(readEvent('api-wrong-signature.json'), lambdaContext('ingest', 10_000));
      expect(response.statusCode).toBe(401);
      expect(queue.messages).toEqual([]);
    });
  });
});

describe('the SQS events', () => {
  const accepted = Object.entries(EXPECTED_INGEST_STATUS)
    .filter(([, status]) => status === 202)
    .map(([fixture]) => fixture);

  test('there is one for each send-out the ingest accepts, and none for the others', () => {
    const sqsFiles = readdirSync(EVENTS_DIR).filter((name) => name.startsWith('sqs-') && name !== 'sqs-batch.json');
    expect(sqsFiles.sort()).toEqual(accepted.map((fixture) => `sqs-${stemOf(fixture)}.json`).sort());
  });

  test.each(accepted)('the record for %s has the body and the message attributes the ingest sets', (fixture) => {
    const { Records } = readEvent<SQSEvent>(`sqs-${stemOf(fixture)}.json`);
    expect(Records).toHaveLength(1);
    const [record] = Records as [SQSEvent['Records'][number]];
    const body = readFixture(fixture);
    expect(record.body).toBe(body);
    expect(record.md5OfBody).toBe(createHash('md5').update(body).digest('hex'));
    expect(record.eventSource).toBe('aws:sqs');
    const parsed = parseWebhook(JSON.parse(body));
    if (parsed.outcome !== 'segment_entered') throw new Error(`${fixture} is not a segment-entered webhook`);
    const attribute = (name: string) => record.messageAttributes[name]?.stringValue;
    expect(attribute(MESSAGE_ATTRIBUTE.envelopeId)).toBe(parsed.webhook.id);
    expect(attribute(MESSAGE_ATTRIBUTE.eventId)).toBe(parsed.webhook.event.id);
    expect(attribute(MESSAGE_ATTRIBUTE.distributionKind)).toBe(DELIVERABLE_FIXTURES[fixture] ?? 'plain_message');
    expect(record.messageAttributes[MESSAGE_ATTRIBUTE.distributionKind]?.dataType).toBe('String');
  });

  test('the batch holds every accepted send-out once, with distinct message ids', () => {
    const { Records } = readEvent<SQSEvent>('sqs-batch.json');
    expect(Records.map((record) => record.body).sort()).toEqual(accepted.map(readFixture).sort());
    expect(new Set(Records.map((record) => record.messageId)).size).toBe(Records.length);
  });
});

describe('events/env.json', () => {
  const template = templateJson(buildStack().template);
  const declared = (logicalId: string) =>
    Object.keys((template.Resources[logicalId]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables);

  test('is keyed by the template logical ids of the two functions', () => {
    expect(Object.keys(envVars).sort()).toEqual(Object.values(FUNCTION_LOGICAL_IDS).sort());
  });

  test.each(Object.values(FUNCTION_LOGICAL_IDS))(
    'gives %s only variables its template declares, as sam local invoke requires',
    (logicalId) => {
      const given = Object.keys(envVars[logicalId] ?? {});
      expect(given.length).toBeGreaterThan(0);
      expect(given.filter((name) => !declared(logicalId).includes(name))).toEqual([]);
    },
  );

  test('gives the ingest the sample secret the API events are signed with', () => {
    expect(envVars[FUNCTION_LOGICAL_IDS.ingest]?.VOUCHERIFY_WEBHOOK_SECRET).toBe(SAMPLE_SECRET);
  });
});
