/**
 * The ingest under hostile input: property-based tests of the whole handler — signature
 * check, parser, schema, logger and metrics — with no network, so that a case costs well under a
 * millisecond. The queue is the ingest's real SQS adapter talking to a client that answers as SQS's
 * API reference says SQS does (support/sqsSendMessageRules.ts), so a body or attribute SQS would
 * refuse shows up as a 503; an in-memory queue behind it records what the ingest handed over.
 * Logs are captured and dropped after every case.
 *
 * Whatever the input, every case must hold these invariants (see `assertInvariants`):
 * - the handler answers and never throws, and never with a 5xx: the queue is healthy and the
 *   secret configured, so nothing a sender does can be the server's fault;
 * - every answer is JSON: a 4xx is `{error}` with the reason its status stands for (a 422 adds a
 *   non-empty `issues` list of `{path, message}`), a 2xx is 200 ignored or 202 accepted;
 * - a 202 enqueued exactly one message, whose body is the request body as sent (base64-decoded),
 *   under a signature header the test verifies itself, and SQS stored it (U+FFFE and U+FFFF
 *   written as escapes, the only change SQS forces); any other answer enqueued nothing;
 * - Object.prototype and the other built-in prototypes are untouched;
 * - no log line repeats the signature header.
 * Most properties also know the exact answer from the specification (support/contractOracle.ts).
 *
 * Size of a run: FUZZ_RUNS scales every property (1 in `npm test`: about 1,000 cases; `npm run
 * fuzz` sets 100: about 100,000). FUZZ_SEED replays the seed fast-check prints with a failure.
 */
import type { SendMessageCommandInput } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { createIngestHandler, type IngestDependencies, type IngestHandler } from '../functions/ingest/ingestHandler.ts';
import { staticSigningSecrets } from '../functions/ingest/signingSecrets.ts';
import { signatureFor } from '../functions/ingest/verifySignature.ts';
import { type AcceptedWebhook, sqsWebhookQueue, type WebhookQueue } from '../functions/ingest/webhookQueue.ts';
import { INGEST_SETTINGS, queueMaxMessageBytes } from '../functions/shared/settings.ts';
import { httpApiEvent, lambdaContext } from '../local/lambdaEvents.ts';
import { applyByteMutations, byteMutations, wtf8Bytes } from './support/byteMutations.ts';
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';
import { type ExpectedOutcome, expectedOutcomeOfBytes, expectedOutcomeOfText, type ReplayGuard } from './support/contractOracle.ts';
import { EXPECTED_INGEST_STATUS, FIXTURE_SECRET, fixtureNames, fixtureSignatures, readFixture } from './support/fixtures.ts';
import { InMemoryWebhookQueue } from './support/inMemoryQueue.ts';
import {
  compactJsonBytes,
  deeplyNestedJson,
  dotPath,
  type EntryPlacement,
  entriesOnlyAt,
  JSON_TYPES,
  type JsonPath,
  type JsonType,
  type JsonValue,
  jsonPaths,
  jsonTextWithEntries,
  jsonTextWithInjection,
  jsonTextWithRawValue,
  jsonTypeOf,
  type NestingShape,
  nestingBytesPerLevel,
  PROTOTYPE_POLLUTION_KEYS,
  valueAt,
  withValueAt,
} from './support/jsonMutations.ts';
import { SqsRulesClient } from './support/sqsSendMessageRules.ts';
import { signedEvent } from './support/webhookRequests.ts';

// ---------------------------------------------------------------------------------------------
// Run size

function readFuzzScale(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 1;
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`FUZZ_RUNS must be a positive number, got "${value}"`);
  return scale;
}

const FUZZ_SCALE = readFuzzScale(process.env.FUZZ_RUNS);
const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const runsOf = (baseRuns: number): number => Math.max(1, Math.round(baseRuns * FUZZ_SCALE));
/** Room for shrinking a failure too; nothing here asserts on time. */
const timeoutFor = (cases: number): number => Math.max(30_000, cases * 50);
const assertParameters = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns,
  ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED }),
});

const casesRun = new Map<string, number>();
/** Statuses answered per property: the summary shows that each property reaches the outcomes it means to. */
const statusesSeen = new Map<string, Map<number, number>>();
let currentProperty = '';
function countCase(property: string) {
  currentProperty = property;
  casesRun.set(property, (casesRun.get(property) ?? 0) + 1);
}
function countStatus(status: number) {
  const statuses = statusesSeen.get(currentProperty) ?? new Map<number, number>();
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  statusesSeen.set(currentProperty, statuses);
}

/** A jest test that checks one property over `runsOf(baseRuns)` generated cases. */
function fuzz<TCase>(name: string, baseRuns: number, cases: fc.Arbitrary<TCase>, check: (value: TCase) => Promise<void>) {
  const numRuns = runsOf(baseRuns);
  test(
    name,
    async () => {
      await fc.assert(
        fc.asyncProperty(cases, async (value) => {
          countCase(name);
          await check(value);
        }),
        assertParameters(numRuns),
      );
    },
    timeoutFor(numRuns),
  );
}

// ---------------------------------------------------------------------------------------------
// The handler under test, its queue, and what a case may observe

const MAX_BODY_BYTES = INGEST_SETTINGS.maxBodyBytes.defaultValue ?? 0;
const OTHER_SECRET = 'not_the_fixture_secret';
/** Production turns the replay guard on (14 days); this `now` keeps the fixtures fresh. */
const REPLAY_GUARD: ReplayGuard = { maxEventAgeSeconds: 14 * 86_400, now: Date.parse('2026-03-20T00:00:00.000Z') };

/** The queue the stack creates: MAX_BODY_BYTES plus 16 KiB for attributes. */
const QUEUE_MAX_MESSAGE_BYTES = queueMaxMessageBytes(MAX_BODY_BYTES);
const sqs = new SqsRulesClient(QUEUE_MAX_MESSAGE_BYTES);
const sqsAdapter = sqsWebhookQueue({
  queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/ingest',
  timeoutMs: 1000,
  maxMessageBytes: QUEUE_MAX_MESSAGE_BYTES,
  client: sqs.asClient(),
});
const handedOver = new InMemoryWebhookQueue();
const queue: WebhookQueue = {
  async enqueue(webhook) {
    await sqsAdapter.enqueue(webhook);
    await handedOver.enqueue(webhook);
  },
};
const dependencies: IngestDependencies = {
  secrets: staticSigningSecrets(FIXTURE_SECRET),
  queue,
  maxBodyBytes: MAX_BODY_BYTES,
  maxEventAgeSeconds: 0,
};
const context = lambdaContext('ingest', 15 * 60_000);
let output: CapturedOutput;
let handler: IngestHandler;
let guardedHandler: IngestHandler;
let startedAt: number;

beforeAll(() => {
  output = captureOutput();
  startedAt = Date.now();
  handler = createIngestHandler({}, { dependencies });
  guardedHandler = createIngestHandler(
    {},
    { dependencies: { ...dependencies, maxEventAgeSeconds: REPLAY_GUARD.maxEventAgeSeconds, now: () => REPLAY_GUARD.now } },
  );
});

afterAll(() => {
  output.restore();
  if (process.env.FUZZ_RUNS !== undefined) printSummary();
});

function printSummary() {
  const total = [...casesRun.values()].reduce((sum, count) => sum + count, 0);
  const rows = [...casesRun].map(([name, count]) => {
    const statuses = [...(statusesSeen.get(name) ?? [])].sort(([a], [b]) => a - b).map(([status, times]) => `${status}×${times}`);
    return `  ${count.toLocaleString('en').padStart(8)}  ${name}\n            ${statuses.join('  ')}`;
  });
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  process.stderr.write(
    `\nIngest fuzz: ${total.toLocaleString('en')} cases in ${casesRun.size} properties, ${seconds} s (FUZZ_RUNS=${FUZZ_SCALE})\n${rows.join('\n')}\n\n`,
  );
}

const REASON_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'malformed_json',
  401: 'invalid_signature',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'invalid_payload',
};
const ALLOWED_STATUSES = new Set([200, 202, ...Object.keys(REASON_BY_STATUS).map(Number)]);

const BUILT_IN_PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype, Boolean.prototype];
const prototypeShapes = () => BUILT_IN_PROTOTYPES.map((prototype) => Reflect.ownKeys(prototype).map(String).join(','));
const PRISTINE_PROTOTYPES = prototypeShapes();
const POLLUTION_MARKER = 'polluted_by_fuzz';

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly enqueued: readonly AcceptedWebhook[];
  readonly stored: readonly SendMessageCommandInput[];
}

/**
 * JSON text with U+FFFE and U+FFFF written as lower-case \u escapes, raw or already escaped: what
 * the signed text and the body SQS stored must both come to, since SQS refuses those two raw.
 */
const sqsComparable = (json: string): string =>
  json
    .replace(/[\uFFFE\uFFFF]/g, (character) => `\\u${character.charCodeAt(0).toString(16)}`)
    .replace(/\\u(fff[ef])/gi, (_escape, hex: string) => `\\u${hex.toLowerCase()}`);

/** What the request says, decoded as the ingest must decode it. */
const bodyBytesOf = (event: APIGatewayProxyEventV2): Buffer =>
  event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');

const signatureHeaderValues = (event: APIGatewayProxyEventV2): string[] =>
  Object.entries(event.headers ?? {}).flatMap(([name, value]) =>
    name.toLowerCase() === 'x-voucherify-signature' && value !== undefined ? [value] : [],
  );

/** Signed with the secret over the raw bytes or over their compact form (README §4), any hex case. */
function isSignedBody(event: APIGatewayProxyEventV2, bytes: Buffer): boolean {
  const macs = [signatureFor(bytes, FIXTURE_SECRET), signatureFor(compactJsonBytes(bytes), FIXTURE_SECRET)];
  return signatureHeaderValues(event).some((value) => macs.includes(value.toLowerCase()));
}

function assertInvariants(
  event: APIGatewayProxyEventV2,
  response: APIGatewayProxyStructuredResultV2,
  enqueued: readonly AcceptedWebhook[],
  stored: readonly SendMessageCommandInput[],
): Record<string, unknown> {
  const status = response.statusCode ?? 0;
  expect(ALLOWED_STATUSES.has(status) ? status : `unexpected status ${status}`).toBe(status);
  expect(response.headers?.['content-type']).toBe('application/json');
  const body = JSON.parse(response.body ?? '') as unknown;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new Error(`Response body is not a JSON object: ${response.body}`);
  const answer = body as Record<string, unknown>;

  if (status >= 400) {
    expect(answer.error).toBe(REASON_BY_STATUS[status]);
    if (status === 422) {
      expect(Object.keys(answer).sort()).toEqual(['error', 'issues']);
      expect(Array.isArray(answer.issues) && answer.issues.length > 0).toBe(true);
      for (const issue of answer.issues as unknown[]) {
        expect(issue).toEqual({ path: expect.any(String), message: expect.any(String) });
      }
    } else {
      expect(Object.keys(answer)).toEqual(['error']);
    }
  }
  if (status === 200) {
    expect(answer).toEqual({
      status: 'ignored',
      id: expect.any(String),
      reason: expect.stringMatching(/^(unhandled_event_type|stale_event)$/),
      event_type: expect.any(String),
    });
  }
  if (status === 202) {
    expect(answer).toEqual({ status: 'accepted', id: expect.any(String) });
    expect(enqueued).toHaveLength(1);
    const bytes = bodyBytesOf(event);
    expect(enqueued[0]?.body).toBe(bytes.toString('utf8'));
    expect(enqueued[0]?.envelopeId).toBe(answer.id);
    expect(isSignedBody(event, bytes)).toBe(true);
    expect(stored).toHaveLength(1);
    expect(sqsComparable(stored[0]?.MessageBody ?? '')).toBe(sqsComparable(bytes.toString('utf8')));
    expect(stored[0]?.MessageAttributes?.EnvelopeId?.StringValue).toBe(answer.id);
  } else {
    expect(enqueued).toHaveLength(0);
    expect(stored).toHaveLength(0);
  }

  expect(prototypeShapes()).toEqual(PRISTINE_PROTOTYPES);
  expect(POLLUTION_MARKER in {}).toBe(false);
  const logs = output.text();
  for (const signature of signatureHeaderValues(event)) {
    if (signature.trim().length >= 32) expect(logs.includes(signature)).toBe(false);
  }
  return answer;
}

async function send(event: APIGatewayProxyEventV2, target: IngestHandler = handler): Promise<Answer> {
  handedOver.messages.length = 0;
  sqs.stored.length = 0;
  output.lines.length = 0;
  // A shallow copy: Middy's middlewares replace the event's body as they go, as they may on Lambda.
  const response = await target({ ...event }, context);
  const enqueued = handedOver.messages.splice(0);
  const stored = sqs.stored.splice(0);
  countStatus(response.statusCode ?? 0);
  const body = assertInvariants(event, response, enqueued, stored);
  output.lines.length = 0;
  return { status: response.statusCode ?? 0, body, enqueued, stored };
}

type Expected = ExpectedOutcome | { readonly status: 401 | 413 | 415 };

function expectAnswer(answer: Answer, expected: Expected) {
  expect(answer.status).toBe(expected.status);
  if (expected.status === 422) {
    const paths = (answer.body.issues as { path: string }[]).map((issue) => issue.path);
    expect(new Set(paths)).toEqual(new Set(expected.issuePaths));
  }
  if (expected.status === 200) expect(answer.body).toMatchObject({ id: expected.envelopeId, reason: expected.reason });
  if (expected.status === 202) {
    expect(answer.enqueued[0]).toMatchObject({ kind: expected.kind, envelopeId: expected.envelopeId, eventId: expected.eventId });
  }
}

// ---------------------------------------------------------------------------------------------
// Events

const jsonHeaders = (signature: string | undefined): Record<string, string> => ({
  'content-type': 'application/json',
  ...(signature === undefined ? {} : { 'x-voucherify-signature': signature }),
});

/** An API Gateway event carrying `text` verbatim, lone surrogates included (a text body as a non-AWS caller may send it). */
function textEvent(text: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  const event = httpApiEvent({ headers, body: undefined });
  return text === '' ? event : { ...event, body: text, isBase64Encoded: false };
}

/** An API Gateway event carrying `bytes` base64-encoded, whatever they are. */
function base64Event(bytes: Buffer, headers: Record<string, string>): APIGatewayProxyEventV2 {
  const event = httpApiEvent({ headers, body: undefined });
  return bytes.length === 0 ? event : { ...event, body: bytes.toString('base64'), isBase64Encoded: true };
}

type SignatureMode = 'signed' | 'other_secret' | 'garbage' | 'missing';
const signatureMode = fc.constantFrom<SignatureMode>('signed', 'signed', 'signed', 'other_secret', 'garbage', 'missing');

function signatureInMode(bytes: Buffer, mode: SignatureMode): string | undefined {
  switch (mode) {
    case 'signed':
      return signatureFor(bytes, FIXTURE_SECRET);
    case 'other_secret':
      return signatureFor(bytes, OTHER_SECRET);
    case 'garbage':
      return 'f'.repeat(64);
    case 'missing':
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures and generators

interface Fixture {
  readonly name: string;
  readonly text: string;
  readonly status: number;
}
interface JsonFixture extends Fixture {
  readonly document: JsonValue;
}

const FIXTURES: readonly Fixture[] = fixtureNames().map((name) => {
  const status = EXPECTED_INGEST_STATUS[name];
  if (status === undefined) throw new Error(`No expected status for fixture ${name}`);
  return { name, text: readFixture(name), status };
});
const JSON_FIXTURES: readonly JsonFixture[] = FIXTURES.filter((fixture) => fixture.name.endsWith('.json')).map((fixture) => ({
  ...fixture,
  document: JSON.parse(fixture.text) as JsonValue,
}));
const ACCEPTED_FIXTURES = JSON_FIXTURES.filter((fixture) => fixture.status === 202);

interface FixturePath {
  readonly fixture: JsonFixture;
  readonly path: JsonPath;
}
const FIXTURE_PATHS: readonly FixturePath[] = JSON_FIXTURES.flatMap((fixture) =>
  jsonPaths(fixture.document).map((path) => ({ fixture, path })),
);
const typeAt = ({ fixture, path }: FixturePath): JsonType => jsonTypeOf(valueAt(fixture.document, path) as JsonValue);
const OBJECT_PATHS = FIXTURE_PATHS.filter((fixturePath) => typeAt(fixturePath) === 'object');
const STRING_PATHS = FIXTURE_PATHS.filter((fixturePath) => typeAt(fixturePath) === 'string');
const KEY_PATHS = FIXTURE_PATHS.filter(({ path }) => typeof path[path.length - 1] === 'string');

/** The bytes each fixture's `hmac_compact` signs: the file without whitespace outside strings. */
const SIGNED_FORMS = FIXTURES.flatMap((fixture) => {
  const raw = Buffer.from(fixture.text, 'utf8');
  const { hmac_raw, hmac_compact } = fixtureSignatures(fixture.name);
  return [
    { fixture, signed: raw, signature: hmac_raw },
    ...(hmac_compact === null ? [] : [{ fixture, signed: compactJsonBytes(raw), signature: hmac_compact }]),
  ];
});

const smallJson = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>;
const placement = fc.constantFrom<EntryPlacement>('first', 'last');

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'customer.segment.entered',
      'customer.segment.entered ',
      'CUSTOMER.SEGMENT.ENTERED',
      'customer.segment.left',
      '\u0000',
      '\ud800',
    ),
  },
);

const VALUE_OF_TYPE: Readonly<Record<JsonType, fc.Arbitrary<JsonValue>>> = {
  null: fc.constant(null),
  boolean: fc.boolean(),
  number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 1e308, 5e-324)),
  string: fc.oneof(hostileString, fc.constant('customer.segment.entered')),
  array: fc.array(smallJson, { maxLength: 3 }),
  object: fc.dictionary(fc.string({ maxLength: 8 }), smallJson, { maxKeys: 3 }),
};
const valueOfAnyType = fc.constantFrom(...JSON_TYPES).chain((type) => VALUE_OF_TYPE[type]);

// ---------------------------------------------------------------------------------------------

describe('the ingest under hostile input', () => {
  test('uses oracles that agree with the shared fixtures and their signatures', () => {
    for (const fixture of FIXTURES) expect(expectedOutcomeOfText(fixture.text).status).toBe(fixture.status);
    for (const { signed, signature } of SIGNED_FORMS) expect(signatureFor(signed, FIXTURE_SECRET)).toBe(signature);
  });

  describe('arbitrary bytes', () => {
    const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    const JSON_FRAGMENTS = [
      '{',
      '}',
      '[',
      ']',
      '"',
      ':',
      ',',
      '\\',
      '\\u',
      '\\ud800',
      '0',
      '-1.5e308',
      'true',
      'null',
      ' ',
      '\n',
      '"id"',
      '"data"',
      '\u0000',
      '\ud800',
      '\udfff',
      '\ufeff',
      '\uffff',
      '🎉',
      '{"id":"whs_1",',
      '"event":{"type":"customer.segment.entered"}',
    ];
    const hostileText = fc.string({
      unit: fc.oneof(anyCodeUnit, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom(...JSON_FRAGMENTS)),
      maxLength: 300,
    });

    fuzz('answers any text body as the contract says, signed or not', 80, fc.tuple(hostileText, signatureMode), async ([text, mode]) => {
      const signature = signatureInMode(Buffer.from(text, 'utf8'), mode);
      const answer = await send(textEvent(text, jsonHeaders(signature)));
      expectAnswer(answer, mode === 'signed' ? expectedOutcomeOfText(text) : { status: 401 });
    });

    const anyBytes = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
      hostileText.map((text) => wtf8Bytes(text)),
      hostileText.map((text) => Buffer.from(text, 'utf8')),
    );
    const sloppyBase64 = fc.string({ unit: fc.constantFrom(...'AQZaqz09+/-_= \n*.'), maxLength: 200 });

    fuzz(
      'answers any base64 body, canonical or sloppy, as the contract says for the bytes it decodes to',
      50,
      fc.tuple(
        fc.oneof(
          anyBytes.map((bytes) => ({ bytes, sloppy: undefined })),
          sloppyBase64.map((sloppy) => ({ bytes: Buffer.from(sloppy, 'base64'), sloppy })),
        ),
        signatureMode,
      ),
      async ([{ bytes, sloppy }, mode]) => {
        const headers = jsonHeaders(signatureInMode(bytes, mode));
        const event =
          sloppy === undefined
            ? base64Event(bytes, headers)
            : { ...base64Event(Buffer.alloc(0), headers), body: sloppy, isBase64Encoded: true };
        const answer = await send(event);
        expectAnswer(answer, mode === 'signed' ? expectedOutcomeOfBytes(bytes) : { status: 401 });
      },
    );
  });

  describe('generated envelopes', () => {
    const mostly = (valid: fc.Arbitrary<JsonValue>): fc.Arbitrary<JsonValue> =>
      fc.oneof({ weight: 30, arbitrary: valid }, { weight: 1, arbitrary: smallJson });
    /** Now and then one key of the object is left out. */
    const sometimesMissingAKey = (object: fc.Arbitrary<Record<string, JsonValue>>): fc.Arbitrary<JsonValue> =>
      fc
        .tuple(object, fc.oneof({ weight: 20, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat() }))
        .map(([value, drop]) => {
          const keys = Object.keys(value);
          if (drop === undefined || keys.length === 0) return value;
          const { [keys[drop % keys.length]!]: _dropped, ...rest } = value;
          return rest;
        });
    const prefixedId = (prefix: string) =>
      fc.oneof(
        { weight: 12, arbitrary: fc.stringMatching(/^[0-9A-Za-z]{1,24}$/).map((suffix) => prefix + suffix) },
        { weight: 1, arbitrary: hostileString },
      );
    const timestamp = fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .integer({ min: REPLAY_GUARD.now - 30 * 86_400_000, max: REPLAY_GUARD.now + 86_400_000 })
          .map((ms) => new Date(ms).toISOString()),
      },
      { weight: 1, arbitrary: hostileString },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '2026-03-19',
          '+275760-09-13T00:00:00.000Z',
          '-271821-04-20T00:00:00.000Z',
          'Thu, 19 Mar 2026 10:00:00 GMT',
          '0',
        ),
      },
    );
    const customer = sometimesMissingAKey(
      fc.record({
        id: mostly(prefixedId('cust_')),
        email: mostly(fc.oneof(fc.emailAddress(), fc.constant(null))),
        phone: mostly(fc.constantFrom('+48 600 100 200', null)),
        name: mostly(fc.option(hostileString)),
        metadata: mostly(fc.dictionary(fc.string({ maxLength: 10 }), smallJson, { maxKeys: 3 })),
      }),
    );
    const segment = sometimesMissingAKey(fc.record({ id: mostly(prefixedId('seg_')), name: mostly(hostileString) }));
    const data = sometimesMissingAKey(
      fc.record(
        {
          customer: mostly(customer),
          segment: mostly(segment),
          voucher: mostly(fc.record({ code: mostly(fc.oneof(hostileString, fc.constant('WELCOME-7QX2K9'))), discount: smallJson })),
          promotion_tier: mostly(fc.record({ id: mostly(prefixedId('promo_')), name: mostly(hostileString) })),
          publication: smallJson,
        },
        { requiredKeys: ['customer', 'segment'] },
      ),
    );
    const source = sometimesMissingAKey(
      fc.record({ id: mostly(prefixedId('distr_')), object: mostly(fc.constantFrom('distribution', 'webhook')) }),
    );
    const eventObject = sometimesMissingAKey(
      fc.record({
        id: mostly(prefixedId('evcus_')),
        type: fc.oneof(
          { weight: 10, arbitrary: fc.constant('customer.segment.entered') },
          { weight: 1, arbitrary: hostileString },
          { weight: 1, arbitrary: smallJson },
        ),
        created_at: mostly(timestamp),
      }),
    );
    const envelope = fc
      .tuple(
        sometimesMissingAKey(
          fc.record({
            id: mostly(prefixedId('whs_')),
            project_id: mostly(prefixedId('proj_')),
            created_at: mostly(timestamp),
            type: mostly(hostileString),
            data: mostly(data),
            source: mostly(source),
            event: mostly(eventObject),
          }),
        ),
        fc.dictionary(fc.string({ maxLength: 12 }), smallJson, { maxKeys: 3 }),
      )
      .map(([document, extra]) =>
        typeof document === 'object' && document !== null && !Array.isArray(document) ? { ...extra, ...document } : document,
      );

    fuzz(
      'accepts, ignores or refuses each generated envelope exactly as the contract says, replay guard on or off',
      100,
      fc.record({
        document: envelope,
        indent: fc.constantFrom<number | string | undefined>(undefined, 2, '\t'),
        signedForm: fc.constantFrom('raw', 'compact'),
        guarded: fc.boolean(),
      }),
      async ({ document, indent, signedForm, guarded }) => {
        const text = JSON.stringify(document, null, indent);
        const signature = signatureFor(signedForm === 'raw' ? text : JSON.stringify(document), FIXTURE_SECRET);
        const answer = await send(signedEvent(text, { signature }), guarded ? guardedHandler : handler);
        expectAnswer(answer, expectedOutcomeOfText(text, guarded ? REPLAY_GUARD : undefined));
      },
    );
  });

  describe('mutated fixtures and signatures', () => {
    fuzz(
      'answers a fixture with flipped, overwritten, inserted or deleted bytes, or truncated, and re-signed, as the contract says',
      80,
      fc.tuple(fc.constantFrom(...FIXTURES), byteMutations, fc.boolean()),
      async ([fixture, mutations, base64]) => {
        const bytes = applyByteMutations(Buffer.from(fixture.text, 'utf8'), mutations);
        const answer = await send(signedEvent(bytes, { base64 }));
        expectAnswer(answer, expectedOutcomeOfBytes(bytes));
      },
    );

    fuzz(
      'refuses a mutated fixture under its original signature with 401, unless only whitespace a compact signature ignores changed',
      50,
      fc.tuple(fc.constantFrom(...SIGNED_FORMS), byteMutations, fc.boolean()),
      async ([{ fixture, signed, signature }, mutations, base64]) => {
        const bytes = applyByteMutations(Buffer.from(fixture.text, 'utf8'), mutations);
        const stillSigned = bytes.equals(signed) || compactJsonBytes(bytes).equals(signed);
        const answer = await send(signedEvent(bytes, { base64, signature }));
        expectAnswer(answer, stillSigned ? expectedOutcomeOfBytes(bytes) : { status: 401 });
      },
    );

    type SignatureEdit =
      | { readonly kind: 'replace' | 'insert'; readonly at: number; readonly text: string }
      | { readonly kind: 'delete' | 'truncate' | 'swap'; readonly at: number }
      | { readonly kind: 'append' | 'prepend'; readonly text: string };
    const editText = fc.oneof(
      fc.constantFrom(...'0123456789abcdefABCDEF'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }),
      fc.constantFrom(' ', '\t', ',', '=', '\u0000', '\ud800', 'ａ', 'sha256='),
    );
    const signatureEdit: fc.Arbitrary<SignatureEdit> = fc.oneof(
      fc.record({ kind: fc.constantFrom('replace' as const, 'insert' as const), at: fc.nat(), text: editText }),
      fc.record({ kind: fc.constantFrom('delete' as const, 'truncate' as const, 'swap' as const), at: fc.nat() }),
      fc.record({ kind: fc.constantFrom('append' as const, 'prepend' as const), text: editText }),
    );
    function applyEdit(signature: string, edit: SignatureEdit): string {
      if (!('at' in edit)) return edit.kind === 'append' ? signature + edit.text : edit.text + signature;
      const at = signature.length === 0 ? 0 : edit.at % signature.length;
      switch (edit.kind) {
        case 'replace':
          return signature.slice(0, at) + edit.text + signature.slice(at + 1);
        case 'insert':
          return signature.slice(0, at) + edit.text + signature.slice(at);
        case 'delete':
          return signature.slice(0, at) + signature.slice(at + 1);
        case 'truncate':
          return signature.slice(0, at);
        case 'swap':
          return signature.slice(0, at) + signature.slice(at + 1, at + 2) + signature.slice(at, at + 1) + signature.slice(at + 2);
      }
    }

    const signedFixtureText = (fixture: Fixture, signature: string, base64: boolean) => signedEvent(fixture.text, { signature, base64 });

    fuzz(
      'refuses every changed signature with 401 (a change of hex case only is the same MAC)',
      50,
      fc.tuple(fc.constantFrom(...SIGNED_FORMS), fc.array(signatureEdit, { minLength: 1, maxLength: 3 }), fc.boolean()),
      async ([{ fixture, signature }, edits, base64]) => {
        const edited = edits.reduce(applyEdit, signature);
        const answer = await send(signedFixtureText(fixture, edited, base64));
        expectAnswer(answer, edited.toLowerCase() === signature ? expectedOutcomeOfText(fixture.text) : { status: 401 });
      },
    );
  });

  describe('wrong types, prototype keys, duplicate keys', () => {
    /**
     * Every path of every fixture with a value of each other JSON type. `npm test` walks each
     * distinct path (per expected status) once, with the other type taken in turn; the fuzz run
     * walks every fixture's every path with every other type, several values each.
     */
    const pathCases = FIXTURE_PATHS.flatMap((fixturePath) =>
      JSON_TYPES.filter((type) => type !== typeAt(fixturePath)).map((type) => ({ ...fixturePath, type })),
    );
    const seen = new Set<string>();
    const quickPathCases = FIXTURE_PATHS.flatMap((fixturePath, index) => {
      const key = `${fixturePath.fixture.status} ${dotPath(fixturePath.path)}`;
      if (seen.has(key)) return [];
      seen.add(key);
      const otherTypes = JSON_TYPES.filter((type) => type !== typeAt(fixturePath));
      return [{ ...fixturePath, type: otherTypes[index % otherTypes.length]! }];
    });
    const walk = FUZZ_SCALE > 1 ? pathCases : quickPathCases;
    const valuesPerCase = FUZZ_SCALE > 1 ? Math.max(1, Math.round(FUZZ_SCALE * 0.075)) : 1;
    const name = 'answers as the contract says when any path of any fixture holds a value of another JSON type';

    test(
      name,
      async () => {
        for (const { fixture, path, type } of walk) {
          await fc.assert(
            fc.asyncProperty(VALUE_OF_TYPE[type], async (replacement) => {
              countCase(name);
              const text = JSON.stringify(withValueAt(fixture.document, path, replacement), null, 2);
              const answer = await send(signedEvent(text));
              expectAnswer(answer, expectedOutcomeOfText(text));
            }),
            assertParameters(valuesPerCase),
          );
        }
      },
      timeoutFor(walk.length * valuesPerCase),
    );

    const pollutingValue = fc.constantFrom<JsonValue>(
      { [POLLUTION_MARKER]: true },
      { id: 'whs_polluted', toString: POLLUTION_MARKER, [POLLUTION_MARKER]: 'yes' },
      { prototype: { [POLLUTION_MARKER]: 1 } },
      { constructor: { prototype: { [POLLUTION_MARKER]: 1 } } },
      { ['__proto__']: { [POLLUTION_MARKER]: 1 } },
      [{ [POLLUTION_MARKER]: 1 }],
      POLLUTION_MARKER,
      null,
    );

    fuzz(
      'ignores __proto__, constructor and prototype keys at one or every level and never pollutes a prototype',
      50,
      fc.record({
        at: fc.constantFrom(...OBJECT_PATHS),
        keys: fc.subarray([...PROTOTYPE_POLLUTION_KEYS], { minLength: 1 }),
        value: pollutingValue,
        placement,
        everyLevel: fc.boolean(),
      }),
      async ({ at: { fixture, path }, keys, value, placement, everyLevel }) => {
        const entries = keys.map((key) => [key, value] as const);
        const text = jsonTextWithEntries(fixture.document, everyLevel ? () => entries : entriesOnlyAt(path, entries), placement);
        const answer = await send(signedEvent(text));
        expect(answer.status).toBe(fixture.status);
        expectAnswer(answer, expectedOutcomeOfText(text));
      },
    );

    fuzz(
      'answers a body with a duplicated key by its last occurrence, as JSON.parse and the worker read it',
      40,
      fc.record({ at: fc.constantFrom(...KEY_PATHS), duplicate: fc.option(valueOfAnyType, { freq: 3 }), placement }),
      async ({ at: { fixture, path }, duplicate, placement }) => {
        const key = path[path.length - 1] as string;
        const value = duplicate ?? (valueAt(fixture.document, path) as JsonValue);
        const text = jsonTextWithEntries(fixture.document, entriesOnlyAt(path.slice(0, -1), [[key, value]]), placement);
        const answer = await send(signedEvent(text));
        if (placement === 'first' || duplicate === null) expect(answer.status).toBe(fixture.status);
        expectAnswer(answer, expectedOutcomeOfText(text));
      },
    );
  });

  describe('deep nesting, NUL and lone surrogates, huge bodies', () => {
    const DEEP_VALUE_PATHS: Readonly<Record<'unknown_key' | 'lenient_field' | 'required_field', readonly JsonPath[]>> = {
      unknown_key: [['deep'], ['data', 'customer', 'deep'], ['event', 'event_source', 'deep']],
      lenient_field: [
        ['data', 'voucher'],
        ['data', 'promotion_tier'],
        ['source', 'id'],
        ['data', 'customer', 'email'],
        ['event', 'created_at'],
      ],
      required_field: [['data'], ['data', 'customer'], ['data', 'segment', 'id'], ['event'], ['id']],
    };

    fuzz(
      'answers arrays and objects nested thousands deep, up to the size limit, without a stack overflow',
      20,
      fc.record({
        shape: fc.constantFrom<NestingShape>('array', 'object', 'mixed'),
        fraction: fc.double({ min: 0, max: 1, noNaN: true }),
        where: fc.constantFrom('whole_body', 'truncated_body', 'unknown_key', 'lenient_field', 'required_field'),
        pick: fc.nat(),
        fixture: fc.constantFrom(...ACCEPTED_FIXTURES),
        base64: fc.boolean(),
      }),
      async ({ shape, fraction, where, pick, fixture, base64 }) => {
        const inFixture = where !== 'whole_body' && where !== 'truncated_body';
        const room = MAX_BODY_BYTES - (inFixture ? Buffer.byteLength(JSON.stringify(fixture.document)) + 64 : 16);
        const maxDepth = Math.floor(room / nestingBytesPerLevel(shape));
        const depth = 1000 + Math.floor(fraction * (maxDepth - 1000));
        let text: string;
        if (where === 'whole_body' || where === 'truncated_body') {
          text = deeplyNestedJson(depth, shape, '0', where === 'whole_body');
        } else {
          const paths = DEEP_VALUE_PATHS[where];
          text = jsonTextWithRawValue(fixture.document, paths[pick % paths.length]!, deeplyNestedJson(depth, shape));
        }
        expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_BODY_BYTES);
        const answer = await send(signedEvent(text, { base64 }));
        expectAnswer(answer, expectedOutcomeOfText(text));
      },
    );

    const INJECTIONS = [
      '\u0000',
      '\\u0000',
      '\ud800',
      '\udfff',
      '\\ud800',
      '\\udfff',
      '\udc00\ud800',
      '\\udc00\\ud800',
      '\\ud800\\u0000',
      '\ufffe',
      '\uffff',
      '\\uffff',
      '\u0001',
      '\u001f',
      '\\u001f',
      '\u007f',
      '\u2028\u2029',
      '\u00a0',
      '🎉',
      '\\ud83c\\udf89',
    ];
    fuzz(
      'answers NUL bytes and lone surrogates, raw or \\u-escaped, in values, keys or between tokens, as the contract says',
      50,
      fc.record({
        injection: fc.array(fc.constantFrom(...INJECTIONS), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('')),
        where: fc.constantFrom('string_value', 'key', 'between_tokens'),
        stringPath: fc.constantFrom(...STRING_PATHS),
        objectPath: fc.constantFrom(...OBJECT_PATHS),
        encoding: fc.constantFrom('text', 'base64_utf8', 'base64_wtf8'),
        indent: fc.constantFrom<number | undefined>(undefined, 2),
      }),
      async ({ injection, where, stringPath, objectPath, encoding, indent }) => {
        let text: string;
        if (where === 'string_value')
          text = jsonTextWithInjection(stringPath.fixture.document, stringPath.path, 'string_value', injection, indent);
        else if (where === 'key') text = jsonTextWithInjection(objectPath.fixture.document, objectPath.path, 'key', injection, indent);
        else text = `{${injection}${JSON.stringify(objectPath.fixture.document, null, indent).slice(1)}`;

        if (encoding === 'text') {
          const answer = await send(textEvent(text, jsonHeaders(signatureFor(Buffer.from(text, 'utf8'), FIXTURE_SECRET))));
          expectAnswer(answer, expectedOutcomeOfText(text));
        } else {
          const bytes = encoding === 'base64_wtf8' ? wtf8Bytes(text) : Buffer.from(text, 'utf8');
          const answer = await send(base64Event(bytes, jsonHeaders(signatureFor(bytes, FIXTURE_SECRET))));
          expectAnswer(answer, expectedOutcomeOfBytes(bytes));
        }
      },
    );

    /** A fixture padded with `padding` (JSON text, repeated) and then 'x' to exactly `targetBytes`. */
    function paddedTo(fixture: JsonFixture, path: JsonPath, padding: string, targetBytes: number): string {
      const base = JSON.stringify(withValueAt(fixture.document, path, ''));
      const room = targetBytes - Buffer.byteLength(base);
      const unit = Buffer.byteLength(padding);
      const repeats = Math.floor(room / unit);
      const text = jsonTextWithInjection(
        withValueAt(fixture.document, path, ''),
        path,
        'string_value',
        padding.repeat(repeats) + 'x'.repeat(room - repeats * unit),
      );
      expect(Buffer.byteLength(text)).toBe(targetBytes);
      return text;
    }

    fuzz(
      'refuses a body over MAX_BODY_BYTES with 413 before anything else, and answers one at or under it as usual',
      25,
      fc.record({
        excess: fc.oneof(
          fc.integer({ min: -4, max: 4 }),
          fc.integer({ min: -2000, max: 2000 }),
          fc.integer({ min: 1, max: 3 * MAX_BODY_BYTES }),
        ),
        padding: fc.constantFrom('x', 'ł', '€', '🎉', '\\n', '\\u0000'),
        path: fc.constantFrom<JsonPath>(['padding'], ['data', 'customer', 'name']),
        fixture: fc.constantFrom(...ACCEPTED_FIXTURES),
        base64: fc.boolean(),
        mode: signatureMode,
        contentType: fc.constantFrom('application/json', 'text/plain'),
      }),
      async ({ excess, padding, path, fixture, base64, mode, contentType }) => {
        const text = paddedTo(fixture, path, padding, MAX_BODY_BYTES + excess);
        const bytes = Buffer.from(text, 'utf8');
        const signature = signatureInMode(bytes, mode);
        const answer = await send(signedEvent(text, { base64, contentType, signature: signature ?? null }));
        let expected: Expected;
        if (excess > 0) expected = { status: 413 };
        else if (contentType !== 'application/json') expected = { status: 415 };
        else if (mode !== 'signed') expected = { status: 401 };
        else expected = expectedOutcomeOfText(text);
        expectAnswer(answer, expected);
      },
    );
  });

  describe('header shapes', () => {
    /** How a signature header value is written, and whether it still is the valid signature. */
    const SIGNATURE_VALUES: Readonly<
      Record<string, { readonly valid: boolean; readonly write: (signature: string, body: Buffer) => string }>
    > = {
      exact: { valid: true, write: (signature) => signature },
      uppercase: { valid: true, write: (signature) => signature.toUpperCase() },
      empty: { valid: false, write: () => '' },
      spaces_around: { valid: false, write: (signature) => ` ${signature} ` },
      trailing_tab: { valid: false, write: (signature) => `${signature}\t` },
      space_inside: { valid: false, write: (signature) => `${signature.slice(0, 32)} ${signature.slice(32)}` },
      comma_joined_twice: { valid: false, write: (signature) => `${signature},${signature}` },
      comma_joined_with_other: { valid: false, write: (signature, body) => `${signatureFor(body, OTHER_SECRET)}, ${signature}` },
      sha256_prefix: { valid: false, write: (signature) => `sha256=${signature}` },
      very_long: { valid: false, write: (signature) => signature.repeat(1000) },
      non_ascii: { valid: false, write: (signature) => `${signature.slice(0, 63)}é` },
      fullwidth_digits: {
        valid: false,
        write: (signature) => signature.replace(/[0-9]/g, (digit) => String.fromCharCode(0xff10 + Number(digit))),
      },
      trailing_nul: { valid: false, write: (signature) => `${signature}\u0000` },
      lone_surrogate: { valid: false, write: (signature) => `${signature.slice(0, 63)}\ud800` },
      other_secret: { valid: false, write: (_signature, body) => signatureFor(body, OTHER_SECRET) },
      base64_digest: { valid: false, write: (signature) => Buffer.from(signature, 'hex').toString('base64') },
    };
    const signatureValueName = fc.constantFrom(...Object.keys(SIGNATURE_VALUES));

    type SignatureHeaders =
      | { readonly kind: 'one'; readonly value: string; readonly name: string }
      | { readonly kind: 'mixed_case_hex'; readonly upper: readonly boolean[] }
      | { readonly kind: 'two_spellings'; readonly first: string; readonly second: string }
      | { readonly kind: 'missing' | 'no_headers_object' | 'wrong_name' };
    const signatureHeaders: fc.Arbitrary<SignatureHeaders> = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant('one' as const),
          value: signatureValueName,
          name: fc.mixedCase(fc.constant('x-voucherify-signature')),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('mixed_case_hex' as const),
          upper: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('two_spellings' as const), first: signatureValueName, second: signatureValueName }),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom({ kind: 'missing' as const }, { kind: 'no_headers_object' as const }, { kind: 'wrong_name' as const }),
      },
    );

    /** A Content-Type value and whether the contract treats it as JSON (a missing or blank one is). */
    interface ContentType {
      readonly value: string | undefined;
      readonly json: boolean;
    }
    const spaces = fc.constantFrom('', ' ', '  ', '\t');
    const charsetParameter = fc
      .tuple(
        fc.mixedCase(fc.constant('charset')),
        fc.constantFrom('=', ' = ', '= '),
        fc.constantFrom('utf-8', 'UTF-8', 'utf8', 'Utf-8', '"utf-8"', '"UTF8"'),
      )
      .map((parts) => parts.join(''));
    const jsonContentType: fc.Arbitrary<ContentType> = fc
      .record({
        mediaType: fc.mixedCase(fc.constantFrom('application/json', 'application/vnd.voucherify+json', 'application/problem+json')),
        parameters: fc.array(fc.oneof(charsetParameter, fc.constantFrom('version=2', 'q=0.5', 'foo="bar;baz"', '')), { maxLength: 3 }),
        before: spaces,
        after: spaces,
      })
      .map(({ mediaType, parameters, before, after }) => ({
        value: [before + mediaType + after, ...parameters].join(`;${after}`),
        json: true,
      }));
    const otherContentTypes: ContentType[] = [
      { value: undefined, json: true },
      { value: '', json: true },
      { value: '   ', json: true },
      { value: `application/json; ${'x=y; '.repeat(2000)}`, json: true },
      ...[
        'text/plain',
        'TEXT/PLAIN; charset=utf-8',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=xyz',
        'application/jsonp',
        'application/json-seq',
        'application/xml',
        'application/json; charset=iso-8859-1',
        'application/json; charset=utf-16',
        'application/json; charset=utf-8; charset=latin1',
        'application/json, text/plain',
        'application/jsön',
        '\u0430pplication/json',
        'application/json; charset=utf\u20118',
        'application/json\u0000',
        'image/png',
        '*/*',
        `text/plain; ${'x=y; '.repeat(2000)}`,
      ].map((value) => ({ value, json: false })),
    ];
    const contentType = fc.oneof(
      { weight: 3, arbitrary: jsonContentType },
      { weight: 2, arbitrary: fc.constantFrom(...otherContentTypes) },
    );
    const junkHeaders = fc
      .dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), fc.string({ unit: 'binary', maxLength: 100 }), { maxKeys: 3 })
      .map((headers) =>
        Object.fromEntries(Object.entries(headers).filter(([name]) => !['content-type', 'x-voucherify-signature'].includes(name))),
      );

    fuzz(
      'answers every shape of signature and content-type header: 415 for a non-JSON type, else 401 unless the signature is exactly right',
      80,
      fc.record({
        fixture: fc.constantFrom(...FIXTURES),
        base64: fc.boolean(),
        signature: signatureHeaders,
        contentType,
        contentTypeName: fc.mixedCase(fc.constant('content-type')),
        junk: junkHeaders,
      }),
      async ({ fixture, base64, signature, contentType, contentTypeName, junk }) => {
        const bytes = Buffer.from(fixture.text, 'utf8');
        const valid = signatureFor(bytes, FIXTURE_SECRET);
        const headers: Record<string, string> = { ...junk };
        if (contentType.value !== undefined) headers[contentTypeName] = contentType.value;
        let signatureValid: boolean | 'either';
        switch (signature.kind) {
          case 'one': {
            const shape = SIGNATURE_VALUES[signature.value]!;
            headers[signature.name] = shape.write(valid, bytes);
            signatureValid = shape.valid;
            break;
          }
          case 'mixed_case_hex':
            headers['x-voucherify-signature'] = [...valid]
              .map((digit, index) => (signature.upper[index] ? digit.toUpperCase() : digit))
              .join('');
            signatureValid = true;
            break;
          case 'two_spellings': {
            const [first, second] = [SIGNATURE_VALUES[signature.first]!, SIGNATURE_VALUES[signature.second]!];
            headers['x-voucherify-signature'] = first.write(valid, bytes);
            headers['X-Voucherify-Signature'] = second.write(valid, bytes);
            signatureValid = first.valid === second.valid ? first.valid : 'either';
            break;
          }
          case 'wrong_name':
            headers['x-voucherify-signatures'] = valid;
            headers['voucherify-signature'] = valid;
            headers['x-voucherify-signature '] = valid;
            signatureValid = false;
            break;
          case 'missing':
          case 'no_headers_object':
            signatureValid = false;
        }
        const built = base64 ? base64Event(bytes, {}) : textEvent(fixture.text, {});
        const event =
          signature.kind === 'no_headers_object'
            ? ({ ...built, headers: undefined } as unknown as APIGatewayProxyEventV2)
            : { ...built, headers };
        const json = signature.kind === 'no_headers_object' || contentType.json;

        const answer = await send(event);
        if (!json) expect(answer.status).toBe(415);
        else if (signatureValid === true) expectAnswer(answer, expectedOutcomeOfText(fixture.text));
        else if (signatureValid === false) expect(answer.status).toBe(401);
        else expect([401, fixture.status]).toContain(answer.status);
      },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// What the fuzzing found, pinned as examples: each was answered 503 or 202 before the ingest was fixed.

describe('inputs the fuzzing found', () => {
  const minimal = JSON.parse(readFixture('segment-entered-minimal.json')) as JsonValue;

  test('stores a webhook with a raw U+FFFF in the customer name, which SQS refuses raw, as the same document', async () => {
    const body = JSON.stringify(withValueAt(minimal, ['data', 'customer', 'name'], 'Ann\uffff'));
    const answer = await send(signedEvent(body));
    expect(answer.status).toBe(202);
    expect(answer.enqueued[0]?.body).toBe(body);
    expect(JSON.parse(answer.stored[0]?.MessageBody ?? '')).toEqual(JSON.parse(body));
  });

  test.each([
    ['an escaped NUL in the envelope id', withValueAt(minimal, ['id'], 'whs_\u0000'), ['id']],
    ['an escaped unpaired surrogate in event.id', withValueAt(minimal, ['event', 'id'], 'evcus_\ud800'), ['event.id']],
    [
      'ids so long that body plus attributes would exceed the queue limit though the body is within MAX_BODY_BYTES',
      withValueAt(withValueAt(minimal, ['id'], `whs_${'a'.repeat(100_000)}`), ['event', 'id'], `evcus_${'b'.repeat(100_000)}`),
      ['id', 'event.id'],
    ],
  ] as const)(
    'refuses a signed webhook with %s as invalid_payload instead of a 503 Voucherify would retry',
    async (_case, document, paths) => {
      const body = JSON.stringify(document);
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
      const answer = await send(signedEvent(body));
      expectAnswer(answer, { status: 422, issuePaths: paths });
    },
  );

  /** The minimal fixture with its customer's name padded with `character` up to exactly `bytes` of UTF-8. */
  const paddedTo = (bytes: number, character: string): string => {
    const empty = JSON.stringify(withValueAt(minimal, ['data', 'customer', 'name'], ''));
    const count = Math.floor((bytes - Buffer.byteLength(empty)) / Buffer.byteLength(character));
    return JSON.stringify(withValueAt(minimal, ['data', 'customer', 'name'], character.repeat(count)));
  };

  test('answers 413, not a 503 on every retry, for a valid body within MAX_BODY_BYTES that SQS could never store once escaped', async () => {
    // Each raw U+FFFF is 3 bytes of UTF-8 and becomes a 6-byte \uFFFF escape, which SQS accepts.
    const body = paddedTo(MAX_BODY_BYTES - 100, '\uffff');
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const answer = await send(signedEvent(body));
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ error: 'payload_too_large' });
  });

  test('stores a body with U+FFFF characters whose escaped form still fits the queue', async () => {
    const body = paddedTo(Math.floor((QUEUE_MAX_MESSAGE_BYTES - 4096) / 2), '\uffff');
    const answer = await send(signedEvent(body));
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.stored[0]?.MessageBody ?? '')).toEqual(JSON.parse(body));
  });

  test('refuses a base64 body one byte over MAX_BODY_BYTES whatever its padding', async () => {
    const fixture = ACCEPTED_FIXTURES[0]!;
    const empty = withValueAt(fixture.document, ['padding'], '');
    const padding = 'x'.repeat(MAX_BODY_BYTES + 1 - Buffer.byteLength(JSON.stringify(empty)));
    const bytes = Buffer.from(jsonTextWithInjection(empty, ['padding'], 'string_value', padding), 'utf8');
    expect(bytes.length).toBe(MAX_BODY_BYTES + 1);
    const headers = jsonHeaders(signatureFor(bytes, FIXTURE_SECRET));
    for (const body of [bytes.toString('base64'), `${bytes.toString('base64')}=`, bytes.toString('base64').replace(/=+$/, '')]) {
      expect(Buffer.from(body, 'base64').equals(bytes)).toBe(true);
      const answer = await send({ ...base64Event(Buffer.alloc(0), headers), body, isBase64Encoded: true });
      expect(answer.status).toBe(413);
    }
  });
});
