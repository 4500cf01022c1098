/**
 * npm run events [-- --host host.docker.internal] [--template cdk.out/<Stack>.template.json]
 *
 * Writes events/: an API Gateway HTTP API (payload 2.0) event wrapping each shared Voucherify
 * fixture, signed with the sample secret; the SQS events the worker receives for the send-outs
 * the ingest accepts; events/env.json for `sam local invoke --env-vars` and `npm run invoke -n`,
 * pointing the functions at `npm start`'s stand-ins (local/samEnvVars.ts); and events/README.md
 * listing them.
 *
 * env.json is made from the template `npm run synth -- -c local=true` writes, synthesized here in
 * memory, or from the given --template (one synthesized with other context). --host is how a SAM
 * container reaches this machine: 127.0.0.1 (the default) with `--docker-network host` on Linux,
 * host.docker.internal with Docker Desktop. SQS_PORT, DYNAMODB_PORT, SES_PORT and PORT are read as
 * `npm start` reads them. Only the defaults give the committed file (test/events.test.ts).
 *
 * Nothing is written by hand: the SQS bodies and message attributes are what the ingest's own
 * handler (with its queue captured instead of sent) produces for each API event, so the worker's events can
 * never drift from the contract. The output is deterministic (fixed ids and clocks), so
 * test/events.test.ts regenerates it in memory and fails when the committed files are stale.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import type { APIGatewayProxyEventV2, SQSRecord } from 'aws-lambda';
import { createIngestHandler } from '../functions/ingest/ingestHandler.ts';
import { staticSigningSecrets } from '../functions/ingest/signingSecrets.ts';
import { signatureFor } from '../functions/ingest/verifySignature.ts';
import { sqsWebhookQueue } from '../functions/ingest/webhookQueue.ts';
import { INGEST_SETTINGS, queueMaxMessageBytes } from '../functions/shared/settings.ts';
import { MESSAGE_ATTRIBUTE } from '../functions/shared/webhookContract.ts';
import { FUNCTION_LOGICAL_IDS } from '../lib/functionNames.ts';
import { VoucherifyWebhookStack } from '../lib/VoucherifyWebhookStack.ts';
import { readAppContext } from '../lib/webhookStackConfig.ts';
import { httpApiEvent, lambdaContext, localQueueArn, sqsEvent, sqsRecord } from '../local/lambdaEvents.ts';
import { LOCAL_ACCOUNT_ID } from '../local/localAws.ts';
import { LOCAL_QUEUE_NAME } from '../local/localStack.ts';
import { npmStartEndpoints, type StandInEndpoints, type SynthesizedTemplate, samEnvVars } from '../local/samEnvVars.ts';
import { FIXTURE_SECRET, fixtureNames, readFixture } from '../test/support/fixtures.ts';

export const EVENTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../events');

/**
 * The secret the sample events are signed with and events/env.json gives the ingest: the shared
 * fixtures' own test secret, so each event's signature can be checked against signatures.json.
 */
export const SAMPLE_SECRET = FIXTURE_SECRET;

/** How a SAM container reaches `npm start` by default: as with `--docker-network host` (Linux). */
export const DEFAULT_STAND_IN_HOST = '127.0.0.1';

/** The context `npm run synth` passes (package.json), plus the flag for a local template. */
export const LOCAL_SYNTH_CONTEXT: Readonly<Record<string, string>> = {
  senderAddress: 'no-reply@example.com',
  companyName: 'Example Shop',
  postalAddress: 'Example Street 1, 00-001 Example City',
  local: 'true',
};

/** What `npm run synth -- -c local=true` writes to cdk.out, without the bundling env.json does not need. */
export function synthesizeLocalTemplate(): SynthesizedTemplate {
  const outdir = mkdtempSync(join(tmpdir(), 'events-synth-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const context = readAppContext((key) => LOCAL_SYNTH_CONTEXT[key]);
    const stack = new VoucherifyWebhookStack(app, context.stackName, { config: context.stack });
    return app.synth().getStackArtifact(stack.artifactId).template as SynthesizedTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** One fixed instant for every event, so regenerating gives the same bytes. */
const EVENT_TIME = new Date('2026-03-16T09:12:45.000Z');
/** One of Voucherify's published eu1 source addresses. */
const VOUCHERIFY_SOURCE_IP = '34.247.197.22';
const API_ID = 'a1b2c3d4e5';
const API_HOST = `${API_ID}.execute-api.eu-west-1.amazonaws.com`;
const WRONG_SECRET = 'not_the_configured_secret';

/** A UUID-shaped id derived from a seed: stable across runs, distinct across events. */
function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const stemOf = (fixtureName: string): string => fixtureName.replace(/\.json(\.txt)?$/, '');

/** The request as API Gateway hands it to the ingest, signed as Voucherify signs it. */
function apiEvent(seed: string, body: string, signature: string): APIGatewayProxyEventV2 {
  const event = httpApiEvent({
    headers: {
      host: API_HOST,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body, 'utf8')),
      'user-agent': 'Voucherify-Webhooks',
      'x-voucherify-signature': signature,
      'x-amzn-trace-id': `Root=1-${EVENT_TIME.getTime().toString(16).slice(0, 8)}-${createHash('sha256').update(seed).digest('hex').slice(0, 24)}`,
      'x-forwarded-for': VOUCHERIFY_SOURCE_IP,
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
    body,
    sourceIp: VOUCHERIFY_SOURCE_IP,
    now: EVENT_TIME,
  });
  return {
    ...event,
    requestContext: { ...event.requestContext, apiId: API_ID, domainPrefix: API_ID, requestId: stableUuid(`request:${seed}`) },
  };
}

/**
 * Runs the ingest handler on an event with the sample secret and no replay guard (the fixtures are
 * dated), capturing the SendMessage input it would make instead of sending it. Its answer in words:
 * `202 (accepted)`, `200 (ignored: unhandled_event_type)`, `422 (rejected: invalid_payload)`.
 */
async function ingestOutcome(event: APIGatewayProxyEventV2): Promise<{ answer: string; sent: SendMessageCommandInput | undefined }> {
  let sent: SendMessageCommandInput | undefined;
  const capturingClient = {
    send: async (command: { input: SendMessageCommandInput }) => {
      sent = command.input;
      return { MessageId: 'captured' };
    },
  } as unknown as SQSClient;
  const handler = createIngestHandler(
    { POWERTOOLS_LOG_LEVEL: 'ERROR' },
    {
      dependencies: {
        secrets: staticSigningSecrets(SAMPLE_SECRET),
        queue: sqsWebhookQueue({
          queueUrl: `${npmStartEndpoints(DEFAULT_STAND_IN_HOST).sqs}/${LOCAL_ACCOUNT_ID}/${LOCAL_QUEUE_NAME}`,
          timeoutMs: 1000,
          maxMessageBytes: queueMaxMessageBytes(INGEST_SETTINGS.maxBodyBytes.defaultValue!),
          client: capturingClient,
        }),
        maxBodyBytes: INGEST_SETTINGS.maxBodyBytes.defaultValue ?? 0,
        maxEventAgeSeconds: 0,
      },
    },
  );
  const response = await handler(event, lambdaContext('ingest', 10_000));
  const body = JSON.parse(response.body ?? '{}') as { status?: string; reason?: string; error?: string };
  const answer = body.error ? `rejected: ${body.error}` : body.reason ? `${body.status}: ${body.reason}` : `${body.status}`;
  return { answer: `${response.statusCode} (${answer})`, sent };
}

/** The SQS record Lambda's event source mapping would build from a message the ingest sent. */
function queuedRecord(seed: string, message: SendMessageCommandInput): SQSRecord {
  const body = message.MessageBody ?? '';
  const sentAt = String(EVENT_TIME.getTime());
  return sqsRecord(
    {
      messageId: stableUuid(`message:${seed}`),
      receiptHandle: `AQEB${createHash('sha256').update(`receipt:${seed}`).digest('base64url')}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: sentAt,
        SenderId: 'AROAEXAMPLEINGESTROLE:IngestFunction',
        ApproximateFirstReceiveTimestamp: String(EVENT_TIME.getTime() + 25),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          { DataType: value.DataType ?? 'String', ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }) },
        ]),
      ),
      md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
    },
    localQueueArn(LOCAL_QUEUE_NAME),
  );
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

interface EventListing {
  readonly file: string;
  readonly from: string;
  readonly expect: string;
}

export interface EnvVarsSource {
  /** Where the functions reach npm start's stand-ins; its defaults through 127.0.0.1 unless given. */
  readonly endpoints?: StandInEndpoints;
  /** A synthesized local template; synthesizeLocalTemplate() unless given. */
  readonly template?: SynthesizedTemplate;
}

/** Every file of events/, by name, with its exact content. */
export async function generateEvents(source: EnvVarsSource = {}): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const listing: EventListing[] = [];
  const acceptedRecords: SQSRecord[] = [];

  for (const fixture of fixtureNames()) {
    const stem = stemOf(fixture);
    const body = readFixture(fixture);
    const event = apiEvent(fixture, body, signatureFor(body, SAMPLE_SECRET));
    const file = `api-${stem}.json`;
    files.set(file, json(event));
    const { answer, sent } = await ingestOutcome(event);
    listing.push({ file, from: fixture, expect: `ingest answers ${answer}` });

    if (sent) {
      const record = queuedRecord(fixture, sent);
      acceptedRecords.push(record);
      const sqsFile = `sqs-${stem}.json`;
      files.set(sqsFile, json(sqsEvent([record])));
      const kind = sent.MessageAttributes?.[MESSAGE_ATTRIBUTE.distributionKind]?.StringValue;
      listing.push({ file: sqsFile, from: fixture, expect: `worker receives one ${kind} send-out` });
    }
  }

  const tampered = readFixture('segment-entered-plain-message.json');
  files.set('api-wrong-signature.json', json(apiEvent('wrong-signature', tampered, signatureFor(tampered, WRONG_SECRET))));
  listing.push({
    file: 'api-wrong-signature.json',
    from: 'segment-entered-plain-message.json',
    expect: 'ingest answers 401 (signed with another secret)',
  });

  files.set('sqs-batch.json', json(sqsEvent(acceptedRecords)));
  listing.push({
    file: 'sqs-batch.json',
    from: 'every accepted fixture',
    expect: `worker receives a batch of ${acceptedRecords.length} records`,
  });

  const endpoints = source.endpoints ?? npmStartEndpoints(DEFAULT_STAND_IN_HOST);
  files.set('env.json', json(samEnvVars(source.template ?? synthesizeLocalTemplate(), { endpoints, webhookSecret: SAMPLE_SECRET })));

  files.set('README.md', readme(listing, endpoints));
  return files;
}

function readme(listing: readonly EventListing[], endpoints: StandInEndpoints): string {
  const rows = listing.map((entry) => `| \`${entry.file}\` | \`${entry.from}\` | ${entry.expect} |`).join('\n');
  return `# events/

Generated by \`npm run events\` (scripts/generate-events.ts); do not edit by hand: \`npm test\` fails
when these files differ from what the script produces.

- \`api-*.json\`: API Gateway HTTP API (payload 2.0) events for the ingest function
  (\`${FUNCTION_LOGICAL_IDS.ingest}\`), one per shared fixture, signed with \`${SAMPLE_SECRET}\`.
- \`sqs-*.json\`: SQS events for the distribute function (\`${FUNCTION_LOGICAL_IDS.distribute}\`): the body and
  message attributes exactly as the ingest enqueues them.
- \`env.json\`: \`--env-vars\` for \`sam local invoke\` and \`npm run invoke\`, keyed by the functions' template
  logical ids: every variable of the template \`npm run synth -- -c local=true\` writes. It points the
  functions at \`npm start\`'s stand-ins (SQS ${endpoints.sqs}, DynamoDB ${endpoints.dynamodb}, SES
  ${endpoints.sesv2}) and its queues, tables and unsubscribe key, gives the ingest the sample secret
  (which wins over the Secrets Manager ARN), and turns the replay guard off (\`MAX_EVENT_AGE_SECONDS=0\`)
  because the fixtures are dated. See docs/sam-local.md.

| file | made from | expected |
|---|---|---|
${rows}
`;
}

/** Replaces events/ with freshly generated files. */
export async function writeEvents(directory = EVENTS_DIR, source: EnvVarsSource = {}): Promise<string[]> {
  const files = await generateEvents(source);
  mkdirSync(directory, { recursive: true });
  for (const existing of readdirSync(directory)) {
    if (!files.has(existing)) rmSync(join(directory, existing));
  }
  for (const [name, content] of files) writeFileSync(join(directory, name), content);
  return [...files.keys()];
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { host: { type: 'string' }, template: { type: 'string' } } });
  // The handler's metric lines would only clutter the output.
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const written = await writeEvents(EVENTS_DIR, {
    endpoints: npmStartEndpoints(values.host ?? DEFAULT_STAND_IN_HOST, process.env),
    ...(values.template ? { template: JSON.parse(readFileSync(values.template, 'utf8')) as SynthesizedTemplate } : {}),
  });
  console.log(`Wrote ${written.length} files to ${EVENTS_DIR}`);
}
