/**
 * Throughput of the whole local pipeline (`npm start`'s stack: the API Gateway stand-in and the
 * ingest, fauxqs, the event-source-mapping stand-in and the distribute worker, dynalite, the outbox)
 * under `npm run load`-like traffic, by running scripts/load.ts itself: requests per second accepted,
 * deliveries per second drained, exactly-once checked by the script. Several runs, medians. Then one
 * more run under the CPU profiler: where the time goes, split between our code, the emulators and
 * the load generator. Everything runs in one process on this 2-core machine, so the emulators'
 * cost is the local stack's ceiling, not the product's.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CpuProfile, defaultCategory, summarizeByOwner, summarizeProfile } from './support/cpuProfile.ts';
import { isQuick, PROJECT_ROOT, writeResult } from './support/results.ts';
import { formatNumber, markdownTable, summarize } from './support/stats.ts';

const quick = isQuick();
const RUNS = quick ? 1 : Number(process.env.BENCH_PIPELINE_RUNS ?? 3);
const COUNT = quick ? 100 : Number(process.env.BENCH_PIPELINE_COUNT ?? 3000);
const CONCURRENCY = 32;
const WORKERS = 4;

const scratch = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));

/** scripts/load.ts's --json summary (its throughput keys were renamed once; both spellings are read). */
interface LoadSummary {
  readonly requests: number;
  readonly accepted_send_outs: number;
  readonly delivered: number;
  readonly duplicates_delivered: number;
  readonly lost: number;
  readonly requests_per_second?: number;
  readonly accepted_per_second?: number;
  readonly deliveries_per_second_end_to_end?: number;
  readonly delivered_per_second?: number;
  readonly ack_latency_p50_ms: number;
  readonly ack_latency_p99_ms: number;
  readonly post_seconds: number;
  readonly drain_seconds_after_last_ack: number;
  readonly peak_rss_mib: number;
}

async function load(index: number, profile: boolean): Promise<{ summary: LoadSummary; peakRssMiB: number; profileFile?: string }> {
  const json = join(scratch, `load-${index}.json`);
  const peak = join(scratch, `peak-${index}.json`);
  const profileDirectory = join(scratch, `profile-${index}`);
  const args = [
    '--import',
    join(PROJECT_ROOT, 'bench', 'support', 'reportPeakRss.mjs'),
    ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`, '--cpu-prof-interval=500'] : []),
    join(PROJECT_ROOT, 'scripts', 'load.ts'),
    '--count',
    String(COUNT),
    '--concurrency',
    String(CONCURRENCY),
    '--workers',
    String(WORKERS),
    '--json',
    json,
  ];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, BENCH_PEAK_RSS_FILE: peak },
      stdio: 'ignore',
    });
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  if (code !== 0) throw new Error(`npm run load exited with ${code}: something was lost, duplicated or not drained`);
  const summary = JSON.parse(readFileSync(json, 'utf8')) as LoadSummary;
  const peakRssMiB = (JSON.parse(readFileSync(peak, 'utf8')) as { maxRssKiB: number }).maxRssKiB / 1024;
  const profileFile = profile ? join(profileDirectory, readdirSync(profileDirectory)[0]!) : undefined;
  return { summary, peakRssMiB, ...(profileFile ? { profileFile } : {}) };
}

const runs: { summary: LoadSummary; peakRssMiB: number }[] = [];
for (let index = 0; index < RUNS; index++) runs.push(await load(index, false));
const profiled = await load(RUNS, true);
const profile = JSON.parse(readFileSync(profiled.profileFile!, 'utf8')) as CpuProfile;
const byOwner = summarizeByOwner(profile, ownerOf);
const bySelf = summarizeProfile(profile, defaultCategory, 15);
rmSync(scratch, { recursive: true, force: true });

/** Whose work a stack is: the innermost frame that belongs to a known owner. */
function ownerOf(url: string): string | undefined {
  if (url.includes('/node_modules/fauxqs/') || /\/node_modules\/(fastify|@fastify|avvio|find-my-way|light-my-request|fast-json-stringify|fast-querystring|pino|toad-cache)/.test(url)) {
    return 'emulator: fauxqs (SQS)';
  }
  if (/\/node_modules\/(dynalite|level|memory-level|abstract-level|classic-level|memdown|levelup|lazy|big\.js|once|buffer-crc32|async|lock|minimist)\//.test(url)) {
    return 'emulator: dynalite (DynamoDB)';
  }
  if (/\/node_modules\/(aws-ses-v2-local|express|handlebars|mailparser|nodemailer|yargs|zod|markdown-it|linkify-it)\//.test(url)) {
    return 'emulator: local SES (loaded at start-up; unused with the outbox)';
  }
  if (url.includes('/functions/ingest/')) return 'ours: ingest (incl. the SDK, valibot, Powertools it calls)';
  if (url.includes('/functions/distribute/')) return 'ours: distribute (incl. the SDK, valibot, Powertools it calls)';
  if (url.includes('/functions/shared/')) return 'ours: shared (contract, metrics, HMAC)';
  if (url.includes('/scripts/load.ts') || url.includes('/local/webhookClient.ts')) return 'load generator (HTTP client, signing)';
  if (url.includes('/local/apiGatewayServer.ts') || url.includes('/local/lambdaEvents.ts')) return 'local stand-in: API Gateway';
  if (url.includes('/local/queuePoller.ts')) return 'local stand-in: event source mapping (poller)';
  if (url.includes('/local/')) return 'local stand-ins (other)';
  return undefined;
}

// ---------------------------------------------------------------------------------------------

const medianOf = (pick: (run: { summary: LoadSummary; peakRssMiB: number }) => number) => summarize(runs.map(pick)).median;
const throughputTable = markdownTable(
  ['requests per run', 'runs', 'requests/s answered (≈ all 202)', 'deliveries/s (end to end)', 'ack p50 / p99 ms', 'drain after last ack s', 'peak RSS of the whole stack MiB', 'lost / duplicated'],
  [
    [
      COUNT,
      RUNS,
      formatNumber(medianOf((run) => run.summary.requests_per_second ?? run.summary.accepted_per_second ?? Number.NaN)),
      formatNumber(medianOf((run) => run.summary.deliveries_per_second_end_to_end ?? run.summary.delivered_per_second ?? Number.NaN)),
      `${formatNumber(medianOf((run) => run.summary.ack_latency_p50_ms))} / ${formatNumber(medianOf((run) => run.summary.ack_latency_p99_ms))}`,
      formatNumber(medianOf((run) => run.summary.drain_seconds_after_last_ack)),
      formatNumber(medianOf((run) => run.peakRssMiB)),
      `${runs.reduce((sum, run) => sum + run.summary.lost, 0)} / ${runs.reduce((sum, run) => sum + run.summary.duplicates_delivered, 0)}`,
    ],
  ],
);
const ownerTable = markdownTable(
  ['whose work (innermost owning frame on the stack)', 'share of CPU samples'],
  byOwner.categories.filter((row) => row.share >= 0.5).map((row) => [row.category, `${row.share}%`]),
);
const selfTable = markdownTable(
  ['function (self time)', 'category', 'share'],
  bySelf.functions.slice(0, 12).map((row) => [`\`${row.name}\``, row.category, `${row.share}%`]),
);

const file = writeResult({
  name: 'pipeline',
  command: 'npm run bench -- --only pipeline',
  method: `scripts/load.ts (--count ${COUNT} --concurrency ${CONCURRENCY} --workers ${WORKERS}) run ${RUNS} times in fresh processes, medians; one more run under --cpu-prof (500 µs) for the breakdown; peak RSS = getrusage maxrss of the whole-stack process.`,
  tables: [
    { title: 'Local pipeline throughput (npm run load, everything in one process)', markdown: throughputTable },
    { title: 'Where the local pipeline’s CPU goes, by owner', markdown: ownerTable },
    { title: 'Hottest functions in the local pipeline (self time)', markdown: selfTable },
  ],
  data: { count: COUNT, concurrency: CONCURRENCY, workers: WORKERS, runs, profiledRun: profiled.summary, byOwner, bySelf: bySelf.categories },
});
process.stderr.write(`pipeline: results in ${file}\n`);
process.exit(0);
