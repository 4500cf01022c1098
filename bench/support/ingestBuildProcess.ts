/**
 * One ingest build in a process of its own, as it would be in its own Lambda function: its
 * framework and validation library are the only ones whose code runs here, so no build's JIT state
 * is shaped by another's (in one shared process, the builds that share Middy and valibot slowed
 * each other down, and ours most: BENCHMARKS.md). Started by ingest.bench.ts, which tells it over
 * IPC which blocks of requests to run and when; it answers with the wall and CPU time of each.
 *
 * Configured by BENCH_INGEST_BUILD (a name in BUILDS), BENCH_INGEST_QUEUE_URL and the emulators'
 * AWS_* variables. It first checks its answer to every case and exits with an error if one differs.
 */
import { lambdaContext } from '../../local/lambdaEvents.ts';
import { isQuick } from './results.ts';
import { BUILDS, checkAnswer, freshEvent, ingestCases, warmUpIterations } from './ingestBuilds.ts';

export type BuildProcessRequest = { readonly type: 'block'; readonly caseIndex: number } | { readonly type: 'stop' };
export type BuildProcessReply =
  | { readonly type: 'ready' }
  | { readonly type: 'block'; readonly wallUs: number; readonly cpuUs: number };

const build = process.env.BENCH_INGEST_BUILD ?? '';
const create = BUILDS[build];
if (!create) throw new Error(`Unknown ingest build "${build}"`);
const handler = await create({ queueUrl: process.env.BENCH_INGEST_QUEUE_URL ?? '', logLevel: process.env.POWERTOOLS_LOG_LEVEL });
const cases = ingestCases(isQuick());
const context = lambdaContext('ingest', 10_000);
for (const testCase of cases) checkAnswer(build, testCase, await handler(freshEvent(testCase.event), context));

const reply = (message: BuildProcessReply) => process.send!(message);

/**
 * A block of sequential awaited requests, as a warm Lambda container serves them. This process
 * has slept while the other builds ran, so a twentieth of the block is run first, untimed: the
 * caches the others' work evicted are warm again before the clock starts. (Without it, the blocks
 * of the cheapest requests, 30-40 ms each, spread twice as wide, even between two processes of the
 * same floor.) No forced GC between blocks: the heap holds only this build's garbage, so each
 * build pays for its own collections as it would on a warm Lambda, which seldom runs a full one.
 * A full collection before every block (what the builds needed when they shared a heap) made the
 * requests after it cost ours relatively more, whether or not the heap was left to settle first.
 */
async function runBlock(caseIndex: number): Promise<BuildProcessReply> {
  const { event, iterations } = cases[caseIndex]!;
  for (let index = 0; index < warmUpIterations(iterations); index++) await handler(freshEvent(event), context);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < iterations; index++) await handler(freshEvent(event), context);
  const wallUs = ((performance.now() - started) * 1000) / iterations;
  const cpu = process.cpuUsage(cpuBefore);
  return { type: 'block', wallUs, cpuUs: (cpu.user + cpu.system) / iterations };
}

process.on('message', (message: BuildProcessRequest) => {
  if (message.type === 'stop') process.exit(0);
  runBlock(message.caseIndex).then(reply, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
// The parent going away ends this process too.
process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });
