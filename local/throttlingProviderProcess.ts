/**
 * The throttling provider (local/throttlingProvider.ts) in a process of its own, so that the time
 * it stamps on a request is when the request arrived. In the load run's process, which also runs
 * the gateway, the ingest and the queue, a busy moment would hold requests back and then stamp
 * them all at once: the bucket would throttle a burst the sender never sent.
 *
 * Run as a child of startThrottlingProviderProcess: options in THROTTLING_PROVIDER_OPTIONS (JSON),
 * answers over the IPC channel: `ready` with its URL once listening, then what was recorded since
 * the counts the parent already holds, whenever asked.
 */
import { fork } from 'node:child_process';
import {
  type ProviderDelivery,
  startThrottlingProvider,
  type ThrottlingProvider,
  type ThrottlingProviderOptions,
} from './throttlingProvider.ts';

type ChildOptions = Omit<ThrottlingProviderOptions, 'now'>;

interface Recorded {
  readonly deliveries: ProviderDelivery[];
  readonly throttledAtMs: number[];
  readonly refused: number;
}

type ToChild = { readonly ask: 'recorded'; readonly deliveries: number; readonly throttled: number };
type FromChild = { readonly ready: string } | { readonly recorded: Recorded };

/** A provider as startThrottlingProvider gives it, whose records are brought over by sync(). */
export interface ProviderInProcess extends ThrottlingProvider {
  /** Brings over what the provider recorded since the last sync. */
  sync(): Promise<void>;
}

export async function startThrottlingProviderProcess(options: ChildOptions): Promise<ProviderInProcess> {
  const child = fork(import.meta.filename, [], {
    env: { PATH: process.env.PATH ?? '', THROTTLING_PROVIDER_OPTIONS: JSON.stringify(options) },
    execArgv: ['--disable-warning=ExperimentalWarning'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let onRecorded: ((recorded: Recorded) => void) | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The throttling provider exited (${code}) before it was ready`)));
    child.on('message', (message: FromChild) => {
      if ('ready' in message) resolve(message.ready);
      else onRecorded?.(message.recorded);
    });
  });
  const deliveries: ProviderDelivery[] = [];
  const throttledAtMs: number[] = [];
  let refused = 0;
  let syncing: Promise<void> | undefined;

  const sync = () => {
    syncing ??= new Promise<void>((resolve) => {
      onRecorded = (recorded) => {
        deliveries.push(...recorded.deliveries);
        throttledAtMs.push(...recorded.throttledAtMs);
        refused = recorded.refused;
        syncing = undefined;
        resolve();
      };
      child.send({ ask: 'recorded', deliveries: deliveries.length, throttled: throttledAtMs.length } satisfies ToChild);
    });
    return syncing;
  };

  return {
    flavour: options.flavour,
    ratePerSecond: options.ratePerSecond,
    url,
    deliveries,
    throttledAtMs,
    get refused() {
      return refused;
    },
    sync,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await sync();
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}

/** The child's side. */
async function serve(): Promise<void> {
  const provider = await startThrottlingProvider(JSON.parse(process.env.THROTTLING_PROVIDER_OPTIONS ?? '') as ChildOptions);
  process.on('message', (message: ToChild) => {
    process.send?.({
      recorded: {
        deliveries: provider.deliveries.slice(message.deliveries),
        throttledAtMs: provider.throttledAtMs.slice(message.throttled),
        refused: provider.refused,
      },
    } satisfies FromChild);
  });
  process.once('SIGTERM', () => void provider.stop().then(() => process.exit(0)));
  // Gone with its parent, however the parent ended.
  process.once('disconnect', () => void provider.stop().then(() => process.exit(0)));
  process.send?.({ ready: provider.url } satisfies FromChild);
}

if (process.env.THROTTLING_PROVIDER_OPTIONS !== undefined && process.send) await serve();
