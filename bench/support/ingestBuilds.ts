/**
 * What the ingest benchmark measures: the builds (ours, the floor, the comparators) and the
 * requests. Shared by the benchmark (bench/ingest.bench.ts) and the process that runs one build
 * (ingestBuildProcess.ts). A build's module is imported only by the process that runs it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { signedEvent } from '../../test/support/webhookRequests.ts';
import { PROJECT_ROOT } from './results.ts';

export const SECRET = 'bench_secret_0f8e2d';
export const FLOOR = 'floor';
export const OURS = 'ours';
export const OURS_VERBOSE = 'ours at log level DEBUG (a line per accepted webhook)';
/** The floor again, in a process of its own: the ratio two identical builds get here (an A/A test). */
export const FLOOR_AGAIN = 'the floor again (A/A: how far two identical builds differ here)';

export type IngestBenchHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface BuildSettings {
  readonly queueUrl: string;
  /** The level ours logs at (INFO unless the run says otherwise). */
  readonly logLevel: string | undefined;
}

const comparatorOptions = async ({ queueUrl }: BuildSettings) => {
  const { createBoundedSqsClient } = await import('../../functions/ingest/webhookQueue.ts');
  return { queueUrl, secret: SECRET, client: createBoundedSqsClient() };
};

const floor = async (settings: BuildSettings) =>
  (await import('../ingestFloor.ts')).createFloorHandler(await comparatorOptions(settings));

/** Ours exactly as deployed, logging at `logLevel`. */
const ours = async (queueUrl: string, logLevel: string | undefined) =>
  (await import('../../functions/ingest/ingestHandler.ts')).createIngestHandler({
    QUEUE_URL: queueUrl,
    VOUCHERIFY_WEBHOOK_SECRET: SECRET,
    POWERTOOLS_LOG_LEVEL: logLevel,
  });

/** Every build gets the same secret, the same queue and the same SQS client settings. */
export const BUILDS: Record<string, (settings: BuildSettings) => Promise<IngestBenchHandler>> = {
  [FLOOR]: floor,
  [FLOOR_AGAIN]: floor,
  [OURS]: ({ queueUrl, logLevel }) => ours(queueUrl, logLevel),
  // What the "Webhook accepted" line would cost at INFO (it is logged at DEBUG: see ingestHandler.ts).
  [OURS_VERBOSE]: ({ queueUrl }) => ours(queueUrl, 'DEBUG'),
  'Middy + valibot': async (settings) => (await import('../comparators/middyValibot.ts')).createMiddyValibotHandler(await comparatorOptions(settings)),
  'Middy + AJV validator': async (settings) => (await import('../comparators/middyAjv.ts')).createMiddyAjvHandler(await comparatorOptions(settings)),
  'Middy + Powertools parser (zod)': async (settings) =>
    (await import('../comparators/middyPowertoolsParser.ts')).createMiddyPowertoolsParserHandler(await comparatorOptions(settings)),
};
export const BUILD_NAMES = Object.keys(BUILDS);
export const COMPARATORS = BUILD_NAMES.filter((build) => ![FLOOR, FLOOR_AGAIN, OURS, OURS_VERBOSE].includes(build));

// ---------------------------------------------------------------------------------------------
// The requests

const FIXTURE = join(PROJECT_ROOT, 'test/fixtures/voucherify/segment-entered-unique-code.json');
export const PRETTY = readFileSync(FIXTURE, 'utf8');
export const COMPACT = JSON.stringify(JSON.parse(PRETTY));
const MISSING_CUSTOMER = (() => {
  const withoutCustomer = JSON.parse(PRETTY) as { data: Record<string, unknown> };
  delete withoutCustomer.data.customer;
  return JSON.stringify(withoutCustomer, null, 2);
})();
/** Well formed (64 hex digits), so every build gets as far as computing the HMACs. */
const FORGED = 'ab'.repeat(32);

export interface IngestCase {
  readonly name: string;
  readonly status: number;
  readonly event: APIGatewayProxyEventV2;
  readonly iterations: number;
  readonly body: string;
}

export const ingestCases = (quick: boolean): readonly IngestCase[] => [
  { name: '202 valid', status: 202, event: signedEvent(PRETTY, { secret: SECRET }), iterations: quick ? 5 : 300, body: PRETTY },
  {
    name: '401 bad signature, pretty body',
    status: 401,
    event: signedEvent(PRETTY, { signature: FORGED }),
    iterations: quick ? 20 : 4000,
    body: PRETTY,
  },
  {
    name: '401 bad signature, compact body',
    status: 401,
    event: signedEvent(COMPACT, { signature: FORGED }),
    iterations: quick ? 20 : 4000,
    body: COMPACT,
  },
  {
    name: '422 missing customer',
    status: 422,
    event: signedEvent(MISSING_CUSTOMER, { secret: SECRET }),
    iterations: quick ? 20 : 3000,
    body: MISSING_CUSTOMER,
  },
];

/**
 * The requests each block runs untimed before its clock starts (ingestBuildProcess.ts says why):
 * they reach the queue too, so whatever is counted per block on the emulator's side counts them.
 */
export const warmUpIterations = (iterations: number): number => Math.ceil(iterations / 20);

/** Every build must give the same answers, or the comparison means nothing. Throws otherwise. */
export function checkAnswer(build: string, testCase: IngestCase, response: APIGatewayProxyStructuredResultV2): void {
  if (response.statusCode !== testCase.status) {
    throw new Error(`${build} answered ${response.statusCode} to "${testCase.name}" (expected ${testCase.status}): ${response.body}`);
  }
  const body = JSON.parse(response.body ?? '{}') as { error?: string; issues?: { path: string }[] };
  if (testCase.status === 401 && body.error !== 'invalid_signature') throw new Error(`${build}: unexpected 401 body ${response.body}`);
  if (testCase.status === 422 && build !== FLOOR && build !== FLOOR_AGAIN && body.issues?.[0]?.path !== 'data.customer') {
    throw new Error(`${build}: unexpected 422 body ${response.body}`);
  }
}

/**
 * Lambda hands every invocation a fresh event object, and Middy's body parser and header
 * normalizer write into theirs, so each request gets its own copy of the event's top level and
 * headers (the body string is shared: strings are immutable). The copy is made inside the loop,
 * for every build alike (~0.2 µs): copies made in advance would sit in the young generation and
 * make every scavenge copy them, charging the build that allocates most for the harness's garbage.
 */
export const freshEvent = (event: APIGatewayProxyEventV2): APIGatewayProxyEventV2 => ({ ...event, headers: { ...event.headers } });
