import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { createIngestHandler } from '../functions/ingest/ingestHandler.ts';
import { staticSigningSecrets } from '../functions/ingest/signingSecrets.ts';
import { AWS_ENDPOINT_VARIABLES, INGEST_SETTINGS } from '../functions/shared/settings.ts';
import { MESSAGE_ATTRIBUTE, parseWebhook } from '../functions/shared/webhookContract.ts';
import { FUNCTION_LOGICAL_IDS } from '../lib/functionNames.ts';
import { lambdaContext } from '../local/lambdaEvents.ts';
import { LOCAL_ACCOUNT_ID } from '../local/localAws.ts';
import { LOCAL_SETTINGS } from '../local/localDefaults.ts';
import {
  LOCAL_DLQ_NAME,
  LOCAL_QUEUE_NAME,
  LOCAL_TABLE_NAME,
  LOCAL_UNSUBSCRIBE_SECRET,
  LOCAL_UNSUBSCRIBE_TABLE_NAME,
} from '../local/localStack.ts';
import { npmStartEndpoints, samEnvVars } from '../local/samEnvVars.ts';
import { EVENTS_DIR, generateEvents, LOCAL_SYNTH_CONTEXT, SAMPLE_SECRET } from '../scripts/generate-events.ts';
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';
import { DELIVERABLE_FIXTURES, EXPECTED_INGEST_STATUS, fixtureNames, fixtureSignatures, readFixture } from './support/fixtures.ts';
import { InMemoryWebhookQueue } from './support/inMemoryQueue.ts';
import { buildStack, HTTP_CONTEXT, resourcesOfType, SES_CONTEXT, templateJson } from './support/webhookStack.ts';

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
  // The template `npm run synth -- -c local=true` writes, with the tests' own sender context.
  const localTemplate = buildStack({ ...SES_CONTEXT, local: 'true' }).template;
  const template = templateJson(localTemplate);
  const functions = Object.keys(resourcesOfType(localTemplate, 'AWS::Lambda::Function'));
  const sqsOrigin = `http://127.0.0.1:${LOCAL_SETTINGS.sqsPort.defaultValue}`;
  const declared = (logicalId: string) =>
    Object.keys((template.Resources[logicalId]?.Properties?.Environment as { Variables?: object } | undefined)?.Variables ?? {});

  test('names every function of the local template, and no other', () => {
    expect(Object.keys(envVars).sort()).toEqual(functions.sort());
    expect(Object.keys(envVars).sort()).toEqual(Object.values(FUNCTION_LOGICAL_IDS).sort());
  });

  test.each(Object.values(FUNCTION_LOGICAL_IDS))('gives %s exactly the variables the local template declares for it', (logicalId) => {
    expect(Object.keys(envVars[logicalId] ?? {}).sort()).toEqual(declared(logicalId).sort());
  });

  test('points every endpoint a function declares at npm start’s default ports on 127.0.0.1', () => {
    const endpoints = Object.values(envVars).flatMap((variables) =>
      Object.entries(variables).filter(([name]) => (Object.values(AWS_ENDPOINT_VARIABLES) as string[]).includes(name)),
    );
    expect(Object.fromEntries(endpoints)).toEqual({
      [AWS_ENDPOINT_VARIABLES.sqs]: sqsOrigin,
      [AWS_ENDPOINT_VARIABLES.dynamodb]: `http://127.0.0.1:${LOCAL_SETTINGS.dynamodbPort.defaultValue}`,
      [AWS_ENDPOINT_VARIABLES.sesv2]: `http://127.0.0.1:${LOCAL_SETTINGS.sesPort.defaultValue}`,
    });
  });

  test('names npm start’s queues, tables and unsubscribe key, and the sample secret the API events are signed with', () => {
    expect(envVars[FUNCTION_LOGICAL_IDS.ingest]).toMatchObject({
      QUEUE_URL: `${sqsOrigin}/${LOCAL_ACCOUNT_ID}/${LOCAL_QUEUE_NAME}`,
      VOUCHERIFY_WEBHOOK_SECRET: SAMPLE_SECRET,
    });
    expect(envVars[FUNCTION_LOGICAL_IDS.distribute]).toMatchObject({
      DEAD_LETTER_QUEUE_URL: `${sqsOrigin}/${LOCAL_ACCOUNT_ID}/${LOCAL_DLQ_NAME}`,
      IDEMPOTENCY_TABLE_NAME: LOCAL_TABLE_NAME,
      UNSUBSCRIBE_TABLE_NAME: LOCAL_UNSUBSCRIBE_TABLE_NAME,
      UNSUBSCRIBE_SECRET: LOCAL_UNSUBSCRIBE_SECRET,
      UNSUBSCRIBE_URL: `http://127.0.0.1:${LOCAL_SETTINGS.port.defaultValue}/unsubscribe`,
    });
  });

  test('with --host, endpoints and queue URLs name that host, while the unsubscribe links stay on this machine', async () => {
    const files = await generateEvents({ endpoints: npmStartEndpoints('host.docker.internal') });
    const distribute = (JSON.parse(files.get('env.json') ?? '{}') as Record<string, Record<string, string>>)[
      FUNCTION_LOGICAL_IDS.distribute
    ];
    expect(distribute).toMatchObject({
      AWS_ENDPOINT_URL_SQS: 'http://host.docker.internal:4566',
      DEAD_LETTER_QUEUE_URL: `http://host.docker.internal:4566/${LOCAL_ACCOUNT_ID}/${LOCAL_DLQ_NAME}`,
      UNSUBSCRIBE_URL: 'http://127.0.0.1:3000/unsubscribe',
    });
  });

  test('is made from the template npm run synth writes: the same context, plus the local flag', () => {
    const synthScript = (JSON.parse(readFileSync(join(EVENTS_DIR, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> })
      .scripts.synth;
    const given = [...(synthScript ?? '').matchAll(/-c (\w+)=(?:'([^']*)'|(\S+))/g)].map((match) => [match[1], match[2] ?? match[3]]);
    expect({ ...Object.fromEntries(given), local: 'true' }).toEqual(LOCAL_SYNTH_CONTEXT);
  });

  test('cannot be made from a template synthesized without the local flag', () => {
    expect(() =>
      samEnvVars(templateJson(buildStack().template), { endpoints: npmStartEndpoints('127.0.0.1'), webhookSecret: SAMPLE_SECRET }),
    ).toThrow(/-c local=true/);
  });

  test('names the variable it has no local value for, e.g. the http channel’s forward signing secret', () => {
    const httpTemplate = templateJson(buildStack({ ...HTTP_CONTEXT, local: 'true' }).template);
    expect(() => samEnvVars(httpTemplate, { endpoints: npmStartEndpoints('127.0.0.1'), webhookSecret: SAMPLE_SECRET })).toThrow(
      /DistributeFunction declares FORWARD_SIGNING_SECRET_ARN .* npm start has no stand-in for it/,
    );
  });
});
