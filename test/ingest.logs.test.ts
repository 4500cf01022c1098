/**
 * Everything the ingest handler writes — log lines and metrics, stdout, stderr and the console, at
 * DEBUG level — over every shared fixture, sent every way it can arrive (good, compact, upper-case,
 * base64, missing, wrong and malformed signatures, wrong content type), in every state the function
 * can be in (healthy, Powertools debugging settings on, body limit hit, no secret, misconfigured,
 * SQS refusing, SQS down, Secrets Manager down), holds no signing secret, no signature header value, no e-mail address, no phone
 * number and no other personal data from the bodies (the observability requirements).
 *
 * The handlers are built from the environment as in production and talk to a real local SQS
 * (fauxqs), so the errors logged when a dependency fails are the AWS SDK's own.
 */
import { createServer, type Server } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createIngestHandler } from '../functions/ingest/ingestHandler.ts';
import { signatureFor } from '../functions/ingest/verifySignature.ts';
import { lambdaContext } from '../local/lambdaEvents.ts';
import { localAwsEnvironment } from '../local/localAws.ts';
import { type LocalSqs, startLocalSqs } from '../local/localSqs.ts';
import { type CapturedOutput, captureConsole, captureOutput, setEnvironment } from './support/captureOutput.ts';
import { EXPECTED_INGEST_STATUS, FIXTURE_SECRET, fixtureNames, fixtureSignatures, readFixture } from './support/fixtures.ts';
import { findLeaks, fixtureSensitiveValues, type Leak, type LeakKind, type SensitiveValues } from './support/logLeaks.ts';
import { signedFixtureEvent } from './support/webhookRequests.ts';

const QUEUE = 'ingest-logs';
/** SQS refuses every fixture sent here: its MaximumMessageSize is the smallest SQS allows. */
const REFUSING_QUEUE = 'ingest-logs-refusing';
/** Still accepted during a rotation, so it is configured next to the fixtures' secret. */
const ROTATED_SECRET = 'rotated_out_secret_5f0c9e';
/** What a forger signs with; its signatures are sent and must not be logged either. */
const FORGER_SECRET = 'a_forgers_guess_1b7d';
const AWS_SECRET_ACCESS_KEY = 'local-aws-secret-access-key-never-logged-9a3f';
const AWS_SESSION_TOKEN = 'local-aws-session-token-never-logged-7e21';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:voucherify-webhook-AbCdEf';

// ---------------------------------------------------------------------------------------------
// How each fixture is sent

interface Variant {
  readonly name: string;
  readonly event: (fixture: string) => APIGatewayProxyEventV2 | undefined;
}

const rawSignature = (fixture: string) => fixtureSignatures(fixture).hmac_raw;

const VARIANTS: readonly Variant[] = [
  { name: 'raw signature', event: (fixture) => signedFixtureEvent(fixture, { signature: rawSignature(fixture) }) },
  {
    name: 'compact signature',
    event: (fixture) => {
      const signature = fixtureSignatures(fixture).hmac_compact;
      return signature === null ? undefined : signedFixtureEvent(fixture, { signature });
    },
  },
  { name: 'upper-case signature', event: (fixture) => signedFixtureEvent(fixture, { signature: rawSignature(fixture).toUpperCase() }) },
  { name: 'base64 body', event: (fixture) => signedFixtureEvent(fixture, { signature: rawSignature(fixture), base64: true }) },
  { name: 'no content type', event: (fixture) => signedFixtureEvent(fixture, { signature: rawSignature(fixture), contentType: null }) },
  { name: 'no signature', event: (fixture) => signedFixtureEvent(fixture, { signature: null }) },
  {
    name: 'forged signature',
    event: (fixture) => signedFixtureEvent(fixture, { signature: signatureFor(readFixture(fixture), FORGER_SECRET) }),
  },
  { name: 'prefixed signature', event: (fixture) => signedFixtureEvent(fixture, { signature: `sha256=${rawSignature(fixture)}` }) },
  {
    name: 'two signatures joined',
    event: (fixture) => signedFixtureEvent(fixture, { signature: `${rawSignature(fixture)},${rawSignature(fixture)}` }),
  },
  { name: 'padded signature', event: (fixture) => signedFixtureEvent(fixture, { signature: ` ${rawSignature(fixture)} ` }) },
  { name: 'text/plain', event: (fixture) => signedFixtureEvent(fixture, { signature: rawSignature(fixture), contentType: 'text/plain' }) },
];
/** For the states where each request waits on a dead endpoint: one good and one forged signature. */
const FEW_VARIANTS = VARIANTS.filter((variant) => ['raw signature', 'forged signature'].includes(variant.name));

// ---------------------------------------------------------------------------------------------
// The states the function can be in

interface Scenario {
  readonly name: string;
  /** The function's own configuration. */
  readonly env: () => Record<string, string>;
  /** Process environment the AWS SDK reads (endpoints), set while the scenario runs. */
  readonly processEnv?: () => Record<string, string>;
  readonly variants: readonly Variant[];
  /** The status a fixture sent with its raw signature gets: proof the scenario did what it says. */
  readonly rawStatus: (fixtureStatus: number, fixtureBytes: number) => number;
}

let sqs: LocalSqs;
let deadEndpoint: string;

const configured = (overrides: Record<string, string> = {}) => ({
  QUEUE_URL: sqs.queueUrl(QUEUE),
  VOUCHERIFY_WEBHOOK_SECRET: `${ROTATED_SECRET},${FIXTURE_SECRET}`,
  // The fixtures are dated and posted as they are; the replay guard has tests of its own.
  MAX_EVENT_AGE_SECONDS: '0',
  ...overrides,
});

const SCENARIOS: readonly Scenario[] = [
  { name: 'healthy', env: () => configured(), variants: VARIANTS, rawStatus: (status) => status },
  {
    // Settings an operator may switch on to debug: the event itself must still never be logged.
    name: 'Powertools debugging settings on',
    env: () => configured(),
    processEnv: () => ({ POWERTOOLS_LOGGER_LOG_EVENT: 'true', POWERTOOLS_LOGGER_SAMPLE_RATE: '1', POWERTOOLS_DEV: 'true' }),
    variants: VARIANTS,
    rawStatus: (status) => status,
  },
  {
    name: 'body limit of 1 KiB',
    env: () => configured({ MAX_BODY_BYTES: '1024' }),
    variants: VARIANTS,
    rawStatus: (status, bytes) => (bytes > 1024 ? 413 : status),
  },
  {
    name: 'no secret configured',
    env: () => ({ QUEUE_URL: sqs.queueUrl(QUEUE), MAX_EVENT_AGE_SECONDS: '0' }),
    variants: VARIANTS,
    rawStatus: () => 500,
  },
  {
    name: 'misconfigured',
    env: () => configured({ ENQUEUE_TIMEOUT_MS: 'soon' }),
    variants: VARIANTS,
    rawStatus: () => 500,
  },
  {
    name: 'SQS refusing the message',
    env: () => configured({ QUEUE_URL: sqs.queueUrl(REFUSING_QUEUE) }),
    variants: VARIANTS,
    // The minimal fixture and its attributes fit in SQS's smallest allowed message size; no other does.
    rawStatus: (status, bytes) => (status === 202 && bytes > 1024 ? 503 : status),
  },
  {
    name: 'SQS down',
    // The SDK sends to the queue URL's own host, so the URL itself points at the dead endpoint.
    env: () => configured({ QUEUE_URL: `${deadEndpoint}/000000000000/${QUEUE}`, ENQUEUE_TIMEOUT_MS: '1000' }),
    processEnv: () => ({ AWS_ENDPOINT_URL_SQS: deadEndpoint }),
    variants: FEW_VARIANTS,
    rawStatus: (status) => (status === 202 ? 503 : status),
  },
  {
    name: 'Secrets Manager down',
    env: () => ({ QUEUE_URL: sqs.queueUrl(QUEUE), VOUCHERIFY_WEBHOOK_SECRET_ARN: SECRET_ARN }),
    processEnv: () => ({ AWS_ENDPOINT_URL_SECRETS_MANAGER: deadEndpoint }),
    variants: FEW_VARIANTS,
    rawStatus: () => 503,
  },
];

// ---------------------------------------------------------------------------------------------
// Capturing everything

/** A dead service: it accepts each connection and drops it at once, as a crashed endpoint would. */
async function startDeadEndpoint(): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('No TCP address');
  return { endpoint: `http://127.0.0.1:${address.port}`, server };
}

const signatureHeaderOf = (event: APIGatewayProxyEventV2): string | undefined => event.headers['x-voucherify-signature'];

async function runScenarios(output: CapturedOutput, consoleLines: string[]) {
  const sentSignatures = new Set<string>();
  const statuses = new Map<string, number>();
  const context = lambdaContext('ingest', 60_000);
  for (const scenario of SCENARIOS) {
    const restore = setEnvironment(scenario.processEnv?.() ?? {});
    try {
      const handler = createIngestHandler(scenario.env());
      for (const fixture of fixtureNames()) {
        for (const variant of scenario.variants) {
          const event = variant.event(fixture);
          if (event === undefined) continue;
          const signature = signatureHeaderOf(event);
          if (signature) sentSignatures.add(signature);
          const response: APIGatewayProxyStructuredResultV2 = await handler(event, context);
          statuses.set(`${scenario.name} | ${fixture} | ${variant.name}`, response.statusCode ?? 0);
        }
      }
    } finally {
      restore();
    }
  }
  return { text: [...output.lines, ...consoleLines].join('\n'), sentSignatures: [...sentSignatures], statuses };
}

// ---------------------------------------------------------------------------------------------

describe("the ingest handler's log output over every fixture, request shape and failure", () => {
  let text: string;
  let statuses: Map<string, number>;
  let sensitive: SensitiveValues;
  let leaks: Leak[];
  const leaksOf = (kind: LeakKind) => leaks.filter((leak) => leak.kind === kind);

  beforeAll(async () => {
    sqs = await startLocalSqs({ queues: [{ name: QUEUE }, { name: REFUSING_QUEUE, attributes: { MaximumMessageSize: '1024' } }] });
    const dead = await startDeadEndpoint();
    deadEndpoint = dead.endpoint;
    const restoreEnvironment = setEnvironment({
      ...localAwsEnvironment({ sqs: sqs.endpoint }),
      AWS_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN,
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
    const output = captureOutput();
    const consoleLines: string[] = [];
    const restoreConsole = captureConsole(consoleLines);
    try {
      const run = await runScenarios(output, consoleLines);
      text = run.text;
      statuses = run.statuses;
      const fromFixtures = fixtureSensitiveValues();
      sensitive = {
        secrets: [FIXTURE_SECRET, ROTATED_SECRET, FORGER_SECRET, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN],
        signatures: run.sentSignatures,
        ...fromFixtures,
      };
      leaks = findLeaks(text, sensitive);
    } finally {
      restoreConsole();
      output.restore();
      restoreEnvironment();
      await sqs.stop();
      await new Promise<void>((resolve) => dead.server.close(() => resolve()));
    }
  }, 120_000);

  test('went through every state: each fixture with its raw signature got the status its state gives', () => {
    const fixtures = fixtureNames();
    for (const scenario of SCENARIOS) {
      for (const fixture of fixtures) {
        const expected = scenario.rawStatus(EXPECTED_INGEST_STATUS[fixture]!, Buffer.byteLength(readFixture(fixture)));
        expect([`${scenario.name} | ${fixture}`, statuses.get(`${scenario.name} | ${fixture} | raw signature`)]).toEqual([
          `${scenario.name} | ${fixture}`,
          expected,
        ]);
      }
    }
  });

  test('captured what the handler wrote: every outcome, the failures with their causes, and the metrics', () => {
    for (const message of [
      'Webhook accepted',
      'Webhook ignored',
      'Webhook rejected',
      'Webhook could not be processed',
      'The ingest function is misconfigured',
      'ENQUEUE_TIMEOUT_MS must be an integer',
      'SecretNotConfiguredError',
      'QueueUnavailableError',
      'SecretUnavailableError',
      '"_aws"',
      'whs_0f3a9c27d41b8e5a63',
    ]) {
      expect([message, text.includes(message)]).toEqual([message, true]);
    }
    // The SDK's own causes are in the log: SQS's refusal and the dropped connections.
    expect(text).toMatch(/InvalidParameterValue|Message must be shorter/);
    expect(text).toMatch(/ECONNRESET|socket hang up/);
  });

  test("holds no signing secret, rotated secret, forger's secret or AWS credential", () => {
    expect(leaksOf('secret')).toEqual([]);
  });

  test('holds none of the signature header values sent, in any case, nor anything shaped like an HMAC', () => {
    expect(sensitive.signatures.length).toBeGreaterThan(50);
    expect(leaksOf('signature')).toEqual([]);
  });

  test('holds no e-mail address from the fixtures, nor any other', () => {
    expect(sensitive.emails).toContain('alex.kowalski@example.com');
    expect(leaksOf('email')).toEqual([]);
  });

  test('holds no phone number from the fixtures in any spacing, nor anything shaped like one', () => {
    expect(sensitive.phones).toContain('+48 600 100 200');
    expect(leaksOf('phone')).toEqual([]);
  });

  test('holds no customer name, address, birth date or voucher code from the bodies', () => {
    expect(sensitive.personalData).toEqual(expect.arrayContaining(['Alex Kowalski', 'WELCOME-7QX2K9']));
    expect(leaksOf('personal_data')).toEqual([]);
  });
});

describe('the leak search itself', () => {
  test('finds a planted secret, signature (in upper case), e-mail address, phone number and voucher code', () => {
    const signature = fixtureSignatures('segment-entered-minimal.json').hmac_raw;
    const planted = [
      `{"level":"INFO","message":"debug","secret":"${FIXTURE_SECRET}"}`,
      `{"level":"INFO","header":"${signature.toUpperCase()}"}`,
      '{"level":"INFO","to":"someone.else@example.org"}',
      '{"level":"INFO","phone":"48600100200"}',
      '{"level":"INFO","phone":"+1 (555) 010-9999"}',
      '{"level":"INFO","code":"WELCOME-7QX2K9"}',
    ].join('\n');
    const found = findLeaks(planted, {
      secrets: [FIXTURE_SECRET],
      signatures: [signature],
      ...fixtureSensitiveValues(),
    });
    expect(new Set(found.map((leak) => leak.kind))).toEqual(new Set(['secret', 'signature', 'email', 'phone', 'personal_data']));
    expect(found.map((leak) => leak.value)).toEqual(
      expect.arrayContaining(['someone.else@example.org', '+1 (555) 010-9999', '48600100200']),
    );
  });

  test('does not mistake timestamps, request ids, ARNs or metric lines for personal data', () => {
    const ordinary = [
      '{"level":"INFO","message":"Webhook accepted","timestamp":"2026-03-16T09:12:44.532Z","function_request_id":"60de9b5f-1044-449b-9758-f86d71b9ae03"}',
      '{"_aws":{"Timestamp":1795839968072},"WebhookAccepted":1,"function_arn":"arn:aws:lambda:us-east-1:000000000000:function:ingest"}',
      '{"envelope_id":"whs_0f3a9c27d41b8e5a63","event_id":"evcus_0f3a9c27d41b8e5a61","distribution_id":"distr_8KqZt3WvLc0RbYn5HsPd2Ue6Xa"}',
    ].join('\n');
    expect(findLeaks(ordinary, { secrets: [], signatures: [], emails: [], phones: [], personalData: [] })).toEqual([]);
  });
});
