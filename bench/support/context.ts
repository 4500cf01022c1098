/** What bench/run.ts gives every benchmark, and what each hands back. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DISTRIBUTE_SETTINGS,
  INGEST_SETTINGS,
  METRICS_NAMESPACE,
  SERVICE_NAMES,
  SHARED_SETTINGS,
} from '../../functions/shared/settings.ts';
import { STACK_SETTINGS } from '../../lib/webhookStackConfig.ts';
import type { Bundle } from './bundles.ts';
import { BENCH_QUEUES, BENCH_TABLE, BENCH_UNSUBSCRIBE_TABLE, type Emulators } from './emulators.ts';
import { SECRET } from './events.ts';

export const FLOOR = 'floor';
export const OURS = 'ours';

export interface BenchContext {
  readonly quick: boolean;
  readonly resultsDirectory: string;
  readonly emulators: Emulators;
  /** The floor first, ours, and with --baseline `before (<commit>)`. */
  readonly ingestBundles: Readonly<Record<string, Bundle>>;
  readonly workerBundles: Readonly<Record<typeof FLOOR | typeof OURS, Bundle>>;
}

export interface BenchOutput<TData = unknown> {
  readonly method: string;
  readonly tables: readonly { readonly title: string; readonly markdown: string }[];
  readonly data: TData;
}

export const readResult = <TData>(context: Pick<BenchContext, 'resultsDirectory'>, name: string): BenchOutput<TData> =>
  JSON.parse(readFileSync(join(context.resultsDirectory, `${name}.json`), 'utf8'));

export const memorySizes = { ingest: STACK_SETTINGS.ingestMemoryMb.defaultValue!, worker: STACK_SETTINGS.workerMemoryMb.defaultValue! };

/** What the stack sets for every function, at its defaults, plus the local endpoints. */
const functionEnvironment = (context: BenchContext, service: string, variables: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  ...context.emulators.environment,
  AWS_LAMBDA_FUNCTION_NAME: service,
  POWERTOOLS_SERVICE_NAME: service,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  POWERTOOLS_LOG_LEVEL: STACK_SETTINGS.logLevel.defaultValue,
  ...variables,
});

/** The secret is given directly, not fetched from Secrets Manager, so every build starts from the same place. */
export const ingestEnvironment = (context: BenchContext): NodeJS.ProcessEnv =>
  functionEnvironment(context, SERVICE_NAMES.ingest, {
    [SHARED_SETTINGS.queueUrl.variable!]: context.emulators.queueUrl(BENCH_QUEUES.webhooks),
    [INGEST_SETTINGS.secretValue.variable!]: SECRET,
  });

/**
 * The SES channel, the stack's default, against the local SES; a rate far above what a batch sends,
 * so the worker's own cost is measured, not the pacing.
 */
export const workerEnvironment = (context: BenchContext): NodeJS.ProcessEnv =>
  functionEnvironment(context, SERVICE_NAMES.distribute, {
    [DISTRIBUTE_SETTINGS.deliveryChannel.variable!]: 'ses',
    [DISTRIBUTE_SETTINGS.sendRatePerSecond.variable!]: '10000',
    [SHARED_SETTINGS.queueUrl.variable!]: context.emulators.queueUrl(BENCH_QUEUES.webhooks),
    [DISTRIBUTE_SETTINGS.senderAddress.variable!]: 'offers@shop.example',
    [DISTRIBUTE_SETTINGS.deadLetterQueueUrl.variable!]: context.emulators.queueUrl(BENCH_QUEUES.deadLetters),
    [DISTRIBUTE_SETTINGS.idempotencyTableName.variable!]: BENCH_TABLE,
    [DISTRIBUTE_SETTINGS.unsubscribeUrl.variable!]: 'https://hooks.shop.example/unsubscribe',
    [SHARED_SETTINGS.unsubscribeSecret.variable!]: 'bench_unsubscribe_secret',
    [SHARED_SETTINGS.unsubscribeTableName.variable!]: BENCH_UNSUBSCRIBE_TABLE,
  });
