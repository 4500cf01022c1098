/**
 * Cold start: fresh Node 24 processes (bench/coldStart/lambdaHost.mjs) that import a bundle and
 * serve its first request (a valid 6 KB webhook, sent to fauxqs), for the production ingest bundle
 * from cdk.out, a floor bundle (the SQS client and one SendMessage) and the three comparators, all
 * built with the stack's esbuild settings (the floor a second time with the stack's credential
 * alias too); plus import-only runs of the production distribute bundle.
 * Each variant runs in two environments: as deployed (no NODE_OPTIONS) and with
 * NODE_OPTIONS=--enable-source-maps (what `-c runtimeSourceMaps=true` deploys); every process gets
 * the heap flags Lambda's runtime passes
 * for the template's memory size. Runs are interleaved, the first of each variant dropped,
 * medians reported.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signedEvent } from '../test/support/webhookRequests.ts';
import { type Bundle, buildLikeTheStack, lambdaNodeFlags, productionFunction } from './support/bundles.ts';
import { startEmulators } from './support/emulators.ts';
import { isQuick, PROJECT_ROOT, writeResult } from './support/results.ts';
import { formatNumber, formatRatio, markdownTable, pairedRatio, summarize } from './support/stats.ts';

const quick = isQuick();
const RUNS = quick ? 2 : Number(process.env.BENCH_COLD_RUNS ?? 21);
const QUEUE = 'bench-cold';
const SECRET = 'bench_cold_secret';
const HOST = join(PROJECT_ROOT, 'bench', 'coldStart', 'lambdaHost.mjs');
const FIXTURE = join(PROJECT_ROOT, 'test/fixtures/voucherify/segment-entered-unique-code.json');

const scratch = mkdtempSync(join(tmpdir(), 'bench-cold-'));
// Over HTTPS, as in AWS (see EmulatorConfig.tls): the first request pays a TLS handshake, not an
// import of node:http that no function makes against AWS's endpoints.
const emulators = await startEmulators({ queues: [{ name: QUEUE }], secretString: SECRET, tls: true });

const ingest = productionFunction('IngestFunction');
const distribute = productionFunction('DistributeFunction');
const entries = join(PROJECT_ROOT, 'bench', 'coldStart', 'entries');
/** The floor with the stack's credential alias as well: how ours compares like for like. */
const FLOOR_WITH_ALIASES = 'floor, environment credentials only (the stack’s alias)';
const bundles: Record<string, Bundle> = {
  floor: await buildLikeTheStack('floor', join(entries, 'floor.ts'), scratch),
  ours: ingest.bundle,
  [FLOOR_WITH_ALIASES]: await buildLikeTheStack('floorWithAliases', join(entries, 'floor.ts'), scratch, true),
  'Middy + valibot': await buildLikeTheStack('middyValibot', join(entries, 'middyValibot.ts'), scratch),
  'Middy + AJV validator': await buildLikeTheStack('middyAjv', join(entries, 'middyAjv.ts'), scratch),
  'Middy + Powertools parser (zod)': await buildLikeTheStack('middyPowertoolsParser', join(entries, 'middyPowertoolsParser.ts'), scratch),
};
const INGEST_VARIANTS = Object.keys(bundles);

const eventFile = join(scratch, 'event.json');
// Fresh, so the result does not depend on the replay guard (MAX_EVENT_AGE_SECONDS) being off.
const webhook = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { created_at: string };
webhook.created_at = new Date().toISOString();
writeFileSync(eventFile, JSON.stringify(signedEvent(JSON.stringify(webhook, null, 2), { secret: SECRET })));

/** The function's environment as the template declares it, with the local queue, secret and endpoints. */
function environment(
  variables: Readonly<Record<string, string | undefined>>,
  withNodeOptions: boolean,
  secretFrom: 'environment' | 'secrets manager' = 'environment',
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...emulators.environment, NODE_EXTRA_CA_CERTS: emulators.caFile };
  for (const [name, value] of Object.entries(variables)) if (value !== undefined && value !== '') env[name] = value;
  env.QUEUE_URL = emulators.queueUrl(QUEUE);
  if (secretFrom === 'environment') env.VOUCHERIFY_WEBHOOK_SECRET = SECRET;
  else env.VOUCHERIFY_WEBHOOK_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-AbCdEf';
  env.AWS_LAMBDA_FUNCTION_NAME = 'bench-cold';
  if (withNodeOptions) env.NODE_OPTIONS = '--enable-source-maps';
  else delete env.NODE_OPTIONS;
  return env;
}
const MODES = { 'as deployed (no NODE_OPTIONS)': false, 'with runtimeSourceMaps (NODE_OPTIONS=--enable-source-maps)': true } as const;
type ModeName = keyof typeof MODES;

interface Run {
  readonly bootMs: number;
  readonly importMs: number;
  readonly firstRequestMs: number;
  readonly firstResponseMs: number;
  readonly wallMs: number;
  readonly rssMiB: number;
}

async function run(bundle: Bundle, mode: 'once' | 'import', env: NodeJS.ProcessEnv, memoryMb: number): Promise<Run> {
  const resultFile = join(scratch, `result-${process.hrtime.bigint()}.json`);
  const started = performance.now();
  const code = await new Promise<number>((resolve) => {
    // Started as Lambda's Node.js runtime starts it for the template's memory size (heap flags).
    const child = spawn(process.execPath, [...lambdaNodeFlags(memoryMb), HOST, bundle.file, mode, mode === 'once' ? eventFile : '-', resultFile], {
      env,
      stdio: 'ignore',
    });
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`${bundle.name} (${mode}) exited with ${code}`);
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as {
    bootMs: number;
    importMs: number;
    firstRequestMs: number;
    status?: number;
    memory: { maxRssKiB: number };
  };
  rmSync(resultFile);
  if (mode === 'once' && result.status !== 202) throw new Error(`${bundle.name} answered ${result.status}, not 202`);
  return {
    bootMs: result.bootMs,
    importMs: result.importMs,
    firstRequestMs: result.firstRequestMs,
    firstResponseMs: result.bootMs + result.importMs + result.firstRequestMs,
    wallMs,
    rssMiB: result.memory.maxRssKiB / 1024,
  };
}

const runs: Record<ModeName, Record<string, Run[]>> = {
  'as deployed (no NODE_OPTIONS)': {},
  'with runtimeSourceMaps (NODE_OPTIONS=--enable-source-maps)': {},
};
const DISTRIBUTE = 'distribute (import only)';
/** As on AWS: the signing secret is fetched from Secrets Manager (a local stand-in) on the first request. */
const WITH_SECRETS_MANAGER = 'ours, secret from Secrets Manager (as in AWS)';
for (let index = 0; index < RUNS; index++) {
  for (const [modeName, withNodeOptions] of Object.entries(MODES) as [ModeName, boolean][]) {
    const order = [...INGEST_VARIANTS.slice(index % INGEST_VARIANTS.length), ...INGEST_VARIANTS.slice(0, index % INGEST_VARIANTS.length)];
    for (const variant of order) {
      const result = await run(bundles[variant]!, 'once', environment(ingest.template.variables, withNodeOptions), ingest.template.memorySize);
      if (index > 0 || RUNS === 1) (runs[modeName][variant] ??= []).push(result);
    }
    const fromSecretsManager = await run(
      ingest.bundle,
      'once',
      environment(ingest.template.variables, withNodeOptions, 'secrets manager'),
      ingest.template.memorySize,
    );
    if (index > 0 || RUNS === 1) (runs[modeName][WITH_SECRETS_MANAGER] ??= []).push(fromSecretsManager);
    const result = await run(distribute.bundle, 'import', environment(distribute.template.variables, withNodeOptions), distribute.template.memorySize);
    if (index > 0 || RUNS === 1) (runs[modeName][DISTRIBUTE] ??= []).push(result);
  }
  await emulators.purge(QUEUE);
}
await emulators.stop();
rmSync(scratch, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------

const KiB = (bytes: number) => (bytes / 1024).toFixed(1);
const sizeTable = markdownTable(
  ['bundle', 'index.mjs KiB', 'gzip -9 KiB', 'source map KiB', 'AWS SDK bundled'],
  [...Object.entries(bundles), [DISTRIBUTE, distribute.bundle] as const].map(([name, bundle]) => [
    name === DISTRIBUTE ? 'distribute (production)' : name === 'ours' ? 'ours: ingest (production, cdk.out)' : name,
    KiB(bundle.bytes),
    KiB(bundle.gzipBytes),
    KiB(bundle.sourceMapBytes),
    bundle.sdkBundled ? 'yes' : 'no',
  ]),
);

const data = Object.fromEntries(
  (Object.keys(MODES) as ModeName[]).map((modeName) => {
    const byVariant = runs[modeName];
    const floor = byVariant.floor!;
    return [
      modeName,
      Object.fromEntries(
        Object.entries(byVariant).map(([variant, list]) => [
          variant,
          {
            runs: list.length,
            bootMs: summarize(list.map((r) => r.bootMs)),
            importMs: summarize(list.map((r) => r.importMs)),
            firstRequestMs: summarize(list.map((r) => r.firstRequestMs)),
            firstResponseMs: summarize(list.map((r) => r.firstResponseMs)),
            wallMs: summarize(list.map((r) => r.wallMs)),
            maxRssMiB: summarize(list.map((r) => r.rssMiB)),
            ...(variant === DISTRIBUTE
              ? {}
              : {
                  firstResponseRatio: pairedRatio(list.map((r) => r.firstResponseMs), floor.map((r) => r.firstResponseMs)),
                  wallRatio: pairedRatio(list.map((r) => r.wallMs), floor.map((r) => r.wallMs)),
                  importRatio: pairedRatio(list.map((r) => r.importMs), floor.map((r) => r.importMs)),
                }),
          },
        ]),
      ),
    ];
  }),
) as unknown as Record<ModeName, Record<string, Record<string, any>>>;

const timeTables = (Object.keys(MODES) as ModeName[]).map((modeName) => ({
  title: `Cold start, ${modeName}: medians of ${RUNS - 1} fresh processes (ms)`,
  markdown: markdownTable(
    ['variant', 'Node boot', 'import', 'first request', 'process start → first response', 'ratio to floor (IQR)', 'import ratio', 'whole process wall', 'peak RSS MiB'],
    Object.entries(data[modeName]).map(([variant, row]) => [
      variant === 'ours' ? '**ours (production ingest bundle)**' : variant,
      formatNumber(row.bootMs.median, 1),
      formatNumber(row.importMs.median, 1),
      variant === DISTRIBUTE ? '–' : formatNumber(row.firstRequestMs.median, 1),
      variant === DISTRIBUTE ? '–' : formatNumber(row.firstResponseMs.median, 1),
      row.firstResponseRatio ? formatRatio(row.firstResponseRatio) : '–',
      row.importRatio ? `${row.importRatio.median.toFixed(2)}×` : '–',
      formatNumber(row.wallMs.median, 1),
      formatNumber(row.maxRssMiB.median, 1),
    ]),
  ),
}));

/** Ours against the floor built with the same credential alias: the cost of everything else ours does. */
const likeForLikeTable = markdownTable(
  ['environment', 'ours ÷ floor with the stack’s alias (IQR)', 'ours ÷ floor (IQR)'],
  (Object.keys(MODES) as ModeName[]).map((modeName) => {
    const byVariant = runs[modeName];
    const ours = byVariant.ours!.map((r) => r.firstResponseMs);
    return [
      modeName,
      formatRatio(pairedRatio(ours, byVariant[FLOOR_WITH_ALIASES]!.map((r) => r.firstResponseMs))),
      formatRatio(data[modeName].ours!.firstResponseRatio),
    ];
  }),
);

const file = writeResult({
  name: 'coldStart',
  command: 'npm run bench -- --only coldStart',
  method: `${RUNS} fresh processes per variant and environment, interleaved (order rotated each run), the first dropped; medians; ratio = median of per-run ratios to the floor run of the same round. Bundles built with the stack's esbuild settings; production bundles read from cdk.out via the template's aws:asset:path.`,
  tables: [{ title: 'Bundle sizes', markdown: sizeTable }, ...timeTables, { title: 'Cold start like for like', markdown: likeForLikeTable }],
  data: { bundles: { ...bundles, [DISTRIBUTE]: distribute.bundle }, modes: data },
});
process.stderr.write(`coldStart: results in ${file}\n`);
process.exit(0);
