/**
 * npm run send -- <body.json> [--url URL] [--secret SECRET] [--count N] [--concurrency C] [--exact]
 *
 * Signs a webhook body like Voucherify does and posts it to the local stack (or any deployment), as a
 * new send-out made now: a fresh envelope id and created_at (the replay guard refuses the fixtures'
 * own dates). --exact posts the file's bytes as they are instead, e.g. to see a replay refused. With
 * --count, sends N copies and prints a summary: statuses, latency percentiles and throughput.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatTable, percentile, progressBar } from '../local/latencyStats.ts';
import { DEFAULT_LOCAL_PORT, DEVELOPMENT_SECRET } from '../local/localDefaults.ts';
import { asNewSendOut, createWebhookClient, runWithConcurrency } from '../local/webhookClient.ts';

const usage = 'usage: npm run send -- <body.json> [--url URL] [--secret SECRET] [--count N] [--concurrency C] [--exact]';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    secret: { type: 'string' },
    count: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    exact: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help || positionals.length !== 1) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}

const positiveInteger = (name: string, raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be a positive integer, got "${raw}"\n${usage}`);
    process.exit(2);
  }
  return value;
};

const file = positionals[0]!;
const body = readFileSync(file, 'utf8');
const url = values.url ?? `http://127.0.0.1:${process.env.PORT ?? DEFAULT_LOCAL_PORT}/webhooks/voucherify`;
const secret = values.secret ?? process.env.VOUCHERIFY_WEBHOOK_SECRET?.split(',')[0]?.trim() ?? DEVELOPMENT_SECRET;
const concurrency = positiveInteger('concurrency', values.concurrency ?? '16');
const client = createWebhookClient({ url, secret, maxSockets: concurrency });

try {
  if (values.count === undefined) {
    const response = await client.post(values.exact ? body : asNewSendOut(body).body);
    console.log(`${response.status} ${response.body} (${response.latencyMs.toFixed(1)} ms)`);
    process.exitCode = response.status >= 200 && response.status < 300 ? 0 : 1;
  } else {
    const count = positiveInteger('count', values.count);
    const statuses = new Map<string, number>();
    const latencies: number[] = [];
    const bar = progressBar('sending', count);
    const started = performance.now();
    let done = 0;
    await runWithConcurrency(count, concurrency, async () => {
      let key: string;
      try {
        const response = await client.post(asNewSendOut(body).body);
        latencies.push(response.latencyMs);
        key = String(response.status);
      } catch (error) {
        key = `error: ${(error as Error).message}`;
      }
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      bar.update(++done);
    });
    bar.finish();
    const seconds = (performance.now() - started) / 1000;
    console.log(
      formatTable([
        ['requests', count],
        ...[...statuses.entries()].sort().map(([status, n]) => [`status ${status}`, n] as const),
        ['latency p50', `${percentile(latencies, 0.5).toFixed(1)} ms`],
        ['latency p99', `${percentile(latencies, 0.99).toFixed(1)} ms`],
        ['throughput', `${(count / seconds).toFixed(0)} req/s`],
        ['elapsed', `${seconds.toFixed(2)} s`],
      ]),
    );
    process.exitCode = [...statuses.keys()].every((status) => status.startsWith('2')) ? 0 : 1;
  }
} catch (error) {
  console.error(`Could not reach ${url}: ${(error as Error).message}. Is the local stack running (npm start)?`);
  process.exitCode = 1;
} finally {
  client.close();
}
