/**
 * Ingest cost per request, warm, in process: our handler against the floor (bench/ingestFloor.ts)
 * and the three comparator builds, on the 6 KB unique-code fixture, for a valid request (202), a
 * bad signature (401, with the pretty-printed fixture and with the same body compact, as
 * Voucherify sends it) and a missing customer (422). Every build gets the same secret, the same
 * queue (fauxqs in its own process, on loopback) and the same SQS client settings.
 *
 * Method: the builds run in interleaved rounds (the order rotates every round), each round a block
 * of sequential awaited requests per build and case; the first round is a warm-up and is dropped.
 * Reported: median wall time per request over the rounds, median of the per-round ratios to the
 * floor (and their interquartile range), and CPU time of this process per request. Then a CPU
 * profile of our handler alone, per case: where its time goes.
 *
 * Run through `npm run bench` (the handlers' log lines go to /dev/null there).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import middy from '@middy/core';
import { createIngestHandler } from '../functions/ingest/ingestHandler.ts';
import {
  firstJsonWhitespace,
  firstJsonWhitespaceByteByByte,
  removeJsonWhitespace,
  removeJsonWhitespaceInPlace,
} from '../functions/ingest/removeJsonWhitespace.ts';
import { loadSimdScanner, simdScanArea } from '../functions/ingest/simdJsonWhitespace.ts';
import { hmacSha256 } from '../functions/shared/hmacSha256.ts';
import { createBoundedSqsClient } from '../functions/ingest/webhookQueue.ts';
import { lambdaContext } from '../local/lambdaEvents.ts';
import { signedEvent } from '../test/support/webhookRequests.ts';
import { createMiddyAjvHandler } from './comparators/middyAjv.ts';
import { createMiddyPowertoolsParserHandler } from './comparators/middyPowertoolsParser.ts';
import { createMiddyValibotHandler } from './comparators/middyValibot.ts';
import { createFloorHandler } from './ingestFloor.ts';
import { profileInProcess, summarizeProfile } from './support/cpuProfile.ts';
import { startEmulators } from './support/emulators.ts';
import { formatNumber, formatRatio, markdownTable, pairedRatio, summarize } from './support/stats.ts';
import { isQuick, PROJECT_ROOT, writeResult } from './support/results.ts';

const quick = isQuick();
const ROUNDS = quick ? 2 : Number(process.env.BENCH_ROUNDS ?? 15);
const QUEUE = 'bench-ingest';
const SECRET = 'bench_secret_0f8e2d';
const FIXTURE = join(PROJECT_ROOT, 'test/fixtures/voucherify/segment-entered-unique-code.json');

const emulators = await startEmulators({ queues: [{ name: QUEUE }] });
Object.assign(process.env, emulators.environment, { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO' });
const queueUrl = emulators.queueUrl(QUEUE);

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
const OURS_VERBOSE = 'ours at log level DEBUG (a line per accepted webhook)';
const comparatorOptions = () => ({ queueUrl, secret: SECRET, client: createBoundedSqsClient() });
const BUILDS: Record<string, Handler> = {
  floor: createFloorHandler(comparatorOptions()),
  ours: createIngestHandler({ QUEUE_URL: queueUrl, VOUCHERIFY_WEBHOOK_SECRET: SECRET, POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL }),
  // What the "Webhook accepted" line would cost at INFO (it is logged at DEBUG: see ingestHandler.ts).
  [OURS_VERBOSE]: createIngestHandler({ QUEUE_URL: queueUrl, VOUCHERIFY_WEBHOOK_SECRET: SECRET, POWERTOOLS_LOG_LEVEL: 'DEBUG' }),
  'Middy + valibot': createMiddyValibotHandler(comparatorOptions()),
  'Middy + AJV validator': createMiddyAjvHandler(comparatorOptions()),
  'Middy + Powertools parser (zod)': createMiddyPowertoolsParserHandler(comparatorOptions()),
};
const BUILD_NAMES = Object.keys(BUILDS);

// ---------------------------------------------------------------------------------------------
// The requests

const pretty = readFileSync(FIXTURE, 'utf8');
const compact = JSON.stringify(JSON.parse(pretty));
const withoutCustomer = JSON.parse(pretty) as { data: Record<string, unknown> };
delete withoutCustomer.data.customer;
const missingCustomer = JSON.stringify(withoutCustomer, null, 2);
/** Well formed (64 hex digits), so every build gets as far as computing the HMACs. */
const FORGED = 'ab'.repeat(32);

interface Case {
  readonly name: string;
  readonly status: number;
  readonly event: APIGatewayProxyEventV2;
  readonly iterations: number;
  readonly body: string;
}
const CASES: readonly Case[] = [
  { name: '202 valid', status: 202, event: signedEvent(pretty, { secret: SECRET }), iterations: quick ? 5 : 300, body: pretty },
  {
    name: '401 bad signature, pretty body',
    status: 401,
    event: signedEvent(pretty, { signature: FORGED }),
    iterations: quick ? 20 : 4000,
    body: pretty,
  },
  {
    name: '401 bad signature, compact body',
    status: 401,
    event: signedEvent(compact, { signature: FORGED }),
    iterations: quick ? 20 : 4000,
    body: compact,
  },
  {
    name: '422 missing customer',
    status: 422,
    event: signedEvent(missingCustomer, { secret: SECRET }),
    iterations: quick ? 20 : 3000,
    body: missingCustomer,
  },
];

// ---------------------------------------------------------------------------------------------
// Every build must give the same answers, or the comparison means nothing.

const context = lambdaContext('ingest', 10_000);
const call = (build: string, event: APIGatewayProxyEventV2) => BUILDS[build]!(structuredClone(event), context);
for (const testCase of CASES) {
  for (const build of BUILD_NAMES) {
    const response = await call(build, testCase.event);
    if (response.statusCode !== testCase.status) {
      throw new Error(`${build} answered ${response.statusCode} to "${testCase.name}" (expected ${testCase.status}): ${response.body}`);
    }
    const body = JSON.parse(response.body ?? '{}') as { error?: string; issues?: { path: string }[] };
    if (testCase.status === 401 && body.error !== 'invalid_signature') throw new Error(`${build}: unexpected 401 body ${response.body}`);
    if (testCase.status === 422 && build !== 'floor' && body.issues?.[0]?.path !== 'data.customer') {
      throw new Error(`${build}: unexpected 422 body ${response.body}`);
    }
  }
}
await emulators.purge(QUEUE);

// ---------------------------------------------------------------------------------------------
// Interleaved rounds

const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/**
 * Lambda hands every invocation a fresh event object, and Middy's body parser and header
 * normalizer write into theirs, so each request gets its own copy of the event's top level and
 * headers (the body string is shared: strings are immutable). The copy is made inside the loop,
 * for every build alike (~0.2 µs): copies made in advance would sit in the young generation and
 * make every scavenge copy them, charging the build that allocates most for the harness's garbage.
 */
const freshEvent = (event: APIGatewayProxyEventV2): APIGatewayProxyEventV2 => ({ ...event, headers: { ...event.headers } });

async function block(build: string, testCase: Case): Promise<{ wallUs: number; cpuUs: number }> {
  const handler = BUILDS[build]!;
  const { event, iterations } = testCase;
  collectGarbage();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < iterations; index++) await handler(freshEvent(event), context);
  const wallUs = ((performance.now() - started) * 1000) / testCase.iterations;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallUs, cpuUs: (cpu.user + cpu.system) / testCase.iterations };
}

type Samples = Record<string, Record<string, { wall: number[]; cpu: number[] }>>;
const samples: Samples = {};
for (const testCase of CASES) {
  samples[testCase.name] = Object.fromEntries(BUILD_NAMES.map((build) => [build, { wall: [], cpu: [] }]));
}
const emulatorCpuPer202: number[] = [];

for (let round = 0; round < ROUNDS; round++) {
  const order = BUILD_NAMES.map((_, index) => BUILD_NAMES[(index + round) % BUILD_NAMES.length]!);
  for (const testCase of CASES) {
    for (const build of order) {
      const emulatorBefore = testCase.status === 202 ? await emulators.cpuUsage() : undefined;
      const { wallUs, cpuUs } = await block(build, testCase);
      if (emulatorBefore) {
        const after = await emulators.cpuUsage();
        if (round > 0 && build === 'floor') {
          emulatorCpuPer202.push((after.user + after.system - emulatorBefore.user - emulatorBefore.system) / testCase.iterations);
        }
        await emulators.purge(QUEUE);
      }
      if (round === 0 && ROUNDS > 1) continue; // warm-up
      samples[testCase.name]![build]!.wall.push(wallUs);
      samples[testCase.name]![build]!.cpu.push(cpuUs);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The parts of the signature check the spec requires, each timed alone: the arithmetic behind the
// 401 targets. Interleaved like the builds, medians of rounds.

loadSimdScanner();
// The compact body sits in the second half of the scan area, out of reach of the compaction
// component, which rewrites the first half every call.
const compactInScanArea = (() => {
  const area = (simdScanArea() as Buffer).subarray(32 * 1024);
  return area.subarray(0, area.write(compact, 0, 'utf8'));
})();
const componentBodies = { pretty: Buffer.from(pretty), compact: Buffer.from(compact) };
const COMPONENTS: Record<string, () => unknown> = {
  'HMAC-SHA256 of the 6 KB pretty body': () => hmacSha256(componentBodies.pretty, SECRET),
  'HMAC-SHA256 of the 4 KB compact body': () => hmacSha256(componentBodies.compact, SECRET),
  'scan of the compact body for whitespace outside strings (none found), SIMD, as the ingest runs it': () =>
    firstJsonWhitespace(compactInScanArea),
  'the same scan, byte by byte (the plain loop)': () => firstJsonWhitespaceByteByByte(componentBodies.compact),
  'compaction of the pretty body in place, SIMD, as the ingest runs it (includes writing the body into the scan area)': () => {
    const area = simdScanArea() as Buffer;
    return removeJsonWhitespaceInPlace(area.subarray(0, area.write(pretty, 0, 'utf8')));
  },
  'the same compaction, byte by byte, into a new buffer (the plain loop)': () => removeJsonWhitespace(componentBodies.pretty),
  'Middy around an empty async handler': (() => {
    const empty = middy(async () => ({ statusCode: 401 }), { timeoutEarlyInMillis: 0 });
    return () => empty({}, context);
  })(),
};
const componentSamples: Record<string, number[]> = Object.fromEntries(Object.keys(COMPONENTS).map((name) => [name, []]));
const COMPONENT_ITERATIONS = quick ? 50 : 20_000;
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(COMPONENTS)) {
    const started = performance.now();
    for (let index = 0; index < COMPONENT_ITERATIONS; index++) await run();
    if (round > 0 || ROUNDS === 1) componentSamples[name]!.push(((performance.now() - started) * 1000) / COMPONENT_ITERATIONS);
  }
}

// ---------------------------------------------------------------------------------------------
// Where our time goes

const profiles: Record<string, ReturnType<typeof summarizeProfile>> = {};
for (const testCase of CASES) {
  const iterations = testCase.iterations * (quick ? 1 : 3);
  const profile = await profileInProcess(async () => {
    for (let index = 0; index < iterations; index++) await BUILDS.ours!(freshEvent(testCase.event), context);
  });
  profiles[testCase.name] = summarizeProfile(profile);
  if (testCase.status === 202) await emulators.purge(QUEUE);
}
await emulators.stop();

// ---------------------------------------------------------------------------------------------
// Results

const TARGETS: Record<string, number> = {
  '202 valid': 1.05,
  '401 bad signature, pretty body': 1.5,
  '401 bad signature, compact body': 1.5,
  '422 missing customer': 3,
};

const data = CASES.map((testCase) => {
  const bySample = samples[testCase.name]!;
  const floor = bySample.floor!;
  return {
    case: testCase.name,
    bodyBytes: Buffer.byteLength(testCase.body),
    iterationsPerRound: testCase.iterations,
    target: TARGETS[testCase.name],
    builds: Object.fromEntries(
      BUILD_NAMES.map((build) => {
        const { wall, cpu } = bySample[build]!;
        return [
          build,
          {
            wallUs: summarize(wall),
            cpuUs: summarize(cpu),
            ratioToFloor: pairedRatio(wall, floor.wall),
            cpuRatioToFloor: pairedRatio(cpu, floor.cpu),
          },
        ];
      }),
    ),
  };
});

/** One row per build, one column per case: the floor's median µs, then each build's ratio to it and median. */
function ratioTable(measure: 'wall' | 'cpu'): string {
  return markdownTable(
    ['build', ...CASES.map((testCase) => testCase.name)],
    BUILD_NAMES.map((build) => [
      build,
      ...data.map((row) => {
        const result = row.builds[build]!;
        const median = formatNumber((measure === 'wall' ? result.wallUs : result.cpuUs).median);
        if (build === 'floor') return `${median} µs`;
        return `${formatRatio(measure === 'wall' ? result.ratioToFloor : result.cpuRatioToFloor)} · ${median} µs`;
      }),
    ]),
  );
}
const targetTable = markdownTable(
  ['case', 'target', 'ours ÷ floor (median, IQR)', 'holds?', 'best comparator', 'ours beats every comparator?'],
  data.map((row) => {
    const ours = row.builds.ours!.ratioToFloor;
    const comparators = BUILD_NAMES.filter((build) => build !== 'floor' && build !== 'ours' && build !== OURS_VERBOSE);
    const best = comparators.reduce((a, b) => (row.builds[a]!.ratioToFloor.median <= row.builds[b]!.ratioToFloor.median ? a : b));
    return [
      row.case,
      `≤ ${row.target}×`,
      formatRatio(ours),
      ours.median <= row.target! ? 'yes' : '**no**',
      `${best} ${row.builds[best]!.ratioToFloor.median.toFixed(2)}×`,
      comparators.every((build) => ours.median < row.builds[build]!.ratioToFloor.median) ? 'yes' : '**no**',
    ];
  }),
);
const profileTables = CASES.map((testCase) => {
  const summary = profiles[testCase.name]!;
  return {
    title: `Where our time goes: ${testCase.name} (CPU profile, self time)`,
    markdown: [
      markdownTable(
        ['category', 'share'],
        summary.categories.filter((row) => row.share >= 0.5).map((row) => [row.category, `${row.share}%`]),
      ),
      '',
      markdownTable(
        ['function (self time)', 'category', 'share'],
        summary.functions.slice(0, 8).map((row) => [`\`${row.name}\``, row.category, `${row.share}%`]),
      ),
    ].join('\n'),
  };
});

const componentTable = markdownTable(
  ['component (alone, warm)', 'µs (median of rounds)'],
  Object.entries(componentSamples).map(([name, values]) => [name, formatNumber(summarize(values).median)]),
);

const file = writeResult({
  name: 'ingest',
  command: 'npm run bench -- --only ingest',
  method: `${ROUNDS} interleaved rounds (first dropped), build order rotated each round; blocks of sequential awaited requests; medians of rounds; ratio = median of per-round ratios to the floor (IQR in brackets); fauxqs in a separate process.`,
  tables: [
    { title: 'Ingest, warm, wall time per request: ratio to the floor (IQR) · median µs', markdown: ratioTable('wall') },
    { title: 'Ingest, CPU time of the handler process per request: ratio to the floor (IQR) · median µs', markdown: ratioTable('cpu') },
    { title: 'Ingest targets', markdown: targetTable },
    { title: 'What the signature spec costs, part by part', markdown: componentTable },
    ...profileTables,
  ],
  data: {
    cases: data,
    components: Object.fromEntries(Object.entries(componentSamples).map(([name, values]) => [name, summarize(values)])),
    emulatorCpuUsPer202: summarize(emulatorCpuPer202.length ? emulatorCpuPer202 : [Number.NaN]),
    profiles,
  },
});
process.stderr.write(`ingest: results in ${file}\n`);
process.exit(0);
