/**
 * Ingest cost per request, warm: our handler against the floor (bench/ingestFloor.ts) and the
 * three comparator builds, on the 6 KB unique-code fixture, for a valid request (202), a bad
 * signature (401, with the pretty-printed fixture and with the same body compact, as Voucherify
 * sends it) and a missing customer (422). Every build gets the same secret, the same queue (fauxqs
 * in its own process, on loopback) and the same SQS client settings (support/ingestBuilds.ts).
 *
 * Method: every build runs in a process of its own (support/ingestBuildProcess.ts), as it would in
 * its own Lambda function, and this process conducts: interleaved rounds (the order rotates every
 * round), each round a block of sequential awaited requests per build and case, one build at a
 * time; the first round is a warm-up and is dropped. Reported: median wall time per request over
 * the rounds, median of the per-round ratios to the floor (and their interquartile range), and CPU
 * time of the build's process per request. Then, in this process, the parts of the signature check
 * timed alone, and a CPU profile of our handler per case: where its time goes.
 *
 * Run through `npm run bench` (the handlers' log lines go to /dev/null there).
 */
import { fork } from 'node:child_process';
import middy from '@middy/core';
import {
  firstJsonWhitespace,
  firstJsonWhitespaceByteByByte,
  removeJsonWhitespace,
  removeJsonWhitespaceInPlace,
} from '../functions/ingest/removeJsonWhitespace.ts';
import { loadSimdScanner, simdScanArea } from '../functions/ingest/simdJsonWhitespace.ts';
import { hmacSha256 } from '../functions/shared/hmacSha256.ts';
import { lambdaContext } from '../local/lambdaEvents.ts';
import { profileInProcess, summarizeProfile } from './support/cpuProfile.ts';
import { startEmulators } from './support/emulators.ts';
import type { BuildProcessReply, BuildProcessRequest } from './support/ingestBuildProcess.ts';
import {
  BUILD_NAMES,
  BUILDS,
  COMPACT,
  COMPARATORS,
  FLOOR,
  freshEvent,
  type IngestCase,
  ingestCases,
  OURS,
  PRETTY,
  SECRET,
  warmUpIterations,
} from './support/ingestBuilds.ts';
import { formatNumber, formatRatio, markdownTable, pairedRatio, summarize } from './support/stats.ts';
import { isQuick, writeResult } from './support/results.ts';

const quick = isQuick();
const ROUNDS = quick ? 2 : Number(process.env.BENCH_ROUNDS ?? 25);
const QUEUE = 'bench-ingest';

const emulators = await startEmulators({ queues: [{ name: QUEUE }] });
Object.assign(process.env, emulators.environment, { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO' });
const queueUrl = emulators.queueUrl(QUEUE);
const CASES: readonly IngestCase[] = ingestCases(quick);
const context = lambdaContext('ingest', 10_000);

// ---------------------------------------------------------------------------------------------
// One process per build; each checks its answers to every case before it reports ready.

interface BuildProcess {
  run(caseIndex: number): Promise<{ wallUs: number; cpuUs: number }>;
  stop(): void;
}

async function startBuildProcess(build: string): Promise<BuildProcess> {
  const child = fork(new URL('./support/ingestBuildProcess.ts', import.meta.url), [], {
    env: { ...process.env, BENCH_INGEST_BUILD: build, BENCH_INGEST_QUEUE_URL: queueUrl },
    // Log lines go where this process's go (/dev/null under `npm run bench`).
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let pending: { resolve: (reply: BuildProcessReply) => void; reject: (error: Error) => void } | undefined;
  const next = () => new Promise<BuildProcessReply>((resolve, reject) => (pending = { resolve, reject }));
  child.on('message', (reply: BuildProcessReply) => pending?.resolve(reply));
  child.on('exit', (code) => pending?.reject(new Error(`The process of "${build}" exited (${code})`)));
  const ready = await next();
  if (ready.type !== 'ready') throw new Error(`"${build}" did not start`);
  return {
    async run(caseIndex) {
      const answer = next();
      child.send({ type: 'block', caseIndex } satisfies BuildProcessRequest);
      const reply = await answer;
      if (reply.type !== 'block') throw new Error(`"${build}" answered ${reply.type} to a block`);
      return reply;
    },
    stop: () => child.send({ type: 'stop' } satisfies BuildProcessRequest),
  };
}

const processes: Record<string, BuildProcess> = {};
for (const build of BUILD_NAMES) processes[build] = await startBuildProcess(build);
await emulators.purge(QUEUE);

// ---------------------------------------------------------------------------------------------
// Interleaved rounds

type Samples = Record<string, Record<string, { wall: number[]; cpu: number[] }>>;
const samples: Samples = {};
for (const testCase of CASES) {
  samples[testCase.name] = Object.fromEntries(BUILD_NAMES.map((build) => [build, { wall: [], cpu: [] }]));
}
const emulatorCpuPer202: number[] = [];

for (let round = 0; round < ROUNDS; round++) {
  const order = BUILD_NAMES.map((_, index) => BUILD_NAMES[(index + round) % BUILD_NAMES.length]!);
  for (const [caseIndex, testCase] of CASES.entries()) {
    for (const build of order) {
      const emulatorBefore = testCase.status === 202 ? await emulators.cpuUsage() : undefined;
      const { wallUs, cpuUs } = await processes[build]!.run(caseIndex);
      if (emulatorBefore) {
        const after = await emulators.cpuUsage();
        if (round > 0 && build === FLOOR) {
          const requests = testCase.iterations + warmUpIterations(testCase.iterations);
          emulatorCpuPer202.push((after.user + after.system - emulatorBefore.user - emulatorBefore.system) / requests);
        }
        await emulators.purge(QUEUE);
      }
      if (round === 0 && ROUNDS > 1) continue; // warm-up
      samples[testCase.name]![build]!.wall.push(wallUs);
      samples[testCase.name]![build]!.cpu.push(cpuUs);
    }
  }
}
for (const build of BUILD_NAMES) processes[build]!.stop();

// ---------------------------------------------------------------------------------------------
// The parts of the signature check the spec requires, each timed alone: the arithmetic behind the
// 401 targets. Interleaved like the builds, medians of rounds.

loadSimdScanner();
// The compact body sits in the second half of the scan area, out of reach of the compaction
// component, which rewrites the first half every call.
const compactInScanArea = (() => {
  const area = (simdScanArea() as Buffer).subarray(32 * 1024);
  return area.subarray(0, area.write(COMPACT, 0, 'utf8'));
})();
const componentBodies = { pretty: Buffer.from(PRETTY), compact: Buffer.from(COMPACT) };
const COMPONENTS: Record<string, () => unknown> = {
  'HMAC-SHA256 of the 6 KB pretty body': () => hmacSha256(componentBodies.pretty, SECRET),
  'HMAC-SHA256 of the 4 KB compact body': () => hmacSha256(componentBodies.compact, SECRET),
  'scan of the compact body for whitespace outside strings (none found), SIMD, as the ingest runs it': () =>
    firstJsonWhitespace(compactInScanArea),
  'the same scan, byte by byte (the plain loop)': () => firstJsonWhitespaceByteByByte(componentBodies.compact),
  'compaction of the pretty body in place, SIMD, as the ingest runs it (includes writing the body into the scan area)': () => {
    const area = simdScanArea() as Buffer;
    return removeJsonWhitespaceInPlace(area.subarray(0, area.write(PRETTY, 0, 'utf8')));
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

const ours = await BUILDS[OURS]!({ queueUrl, logLevel: process.env.POWERTOOLS_LOG_LEVEL });
const profiles: Record<string, ReturnType<typeof summarizeProfile>> = {};
for (const testCase of CASES) {
  const iterations = testCase.iterations * (quick ? 1 : 3);
  const profile = await profileInProcess(async () => {
    for (let index = 0; index < iterations; index++) await ours(freshEvent(testCase.event), context);
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
  const floor = bySample[FLOOR]!;
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
        if (build === FLOOR) return `${median} µs`;
        return `${formatRatio(measure === 'wall' ? result.ratioToFloor : result.cpuRatioToFloor)} · ${median} µs`;
      }),
    ]),
  );
}
const targetTable = markdownTable(
  ['case', 'target', 'ours ÷ floor (median, IQR)', 'holds?', 'best comparator', 'ours beats every comparator?'],
  data.map((row) => {
    const ours = row.builds[OURS]!.ratioToFloor;
    const best = COMPARATORS.reduce((a, b) => (row.builds[a]!.ratioToFloor.median <= row.builds[b]!.ratioToFloor.median ? a : b));
    return [
      row.case,
      `≤ ${row.target}×`,
      formatRatio(ours),
      ours.median <= row.target! ? 'yes' : '**no**',
      `${best} ${row.builds[best]!.ratioToFloor.median.toFixed(2)}×`,
      COMPARATORS.every((build) => ours.median < row.builds[build]!.ratioToFloor.median) ? 'yes' : '**no**',
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
  method: `every build in a process of its own; ${ROUNDS} interleaved rounds (first dropped), build order rotated each round, one build at a time; blocks of sequential awaited requests, each after a twentieth of it untimed, no forced GC; medians of rounds; ratio = median of per-round ratios to the floor (IQR in brackets); fauxqs in a separate process.`,
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
