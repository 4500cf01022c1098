/**
 * What `npm run load` wraps around the local stack in both of its modes: progress on stderr, the
 * functions' logs kept off the terminal, counters of the worker's batches, and a description of
 * the machine the figures came from.
 */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { type ProgressBar, progressBar } from './latencyStats.ts';
import type { LocalStackOptions } from './localStack.ts';

/** Progress on stderr: a redrawn bar on a terminal, else a plain line every 10%, so logs of CI runs show it too. */
export function progress(label: string, total: number): ProgressBar {
  if (process.stderr.isTTY) return progressBar(label, total);
  let nextTenth = 1;
  return {
    update(done: number, detail = '') {
      if (total === 0 || done < (nextTenth * total) / 10) return;
      while (done >= (nextTenth * total) / 10) nextTenth++;
      process.stderr.write(`${label} ${Math.floor((done / total) * 100)}% ${done}/${total} ${detail}\n`);
    },
    finish() {},
  };
}

/**
 * The functions' JSON logs (INFO on stdout; WARN and ERROR, e.g. a duplicate found in flight, on
 * stderr) would drown the progress and the table: keep them out of the terminal. Lines that are not
 * JSON (the progress) go through.
 */
export function captureLogs() {
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  const filter = (stream: NodeJS.WriteStream, original: typeof process.stdout.write) =>
    ((chunk: unknown, ...rest: unknown[]) => {
      if (String(chunk).startsWith('{')) {
        const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return original.call(stream, chunk as string, ...(rest as []));
    }) as typeof process.stdout.write;
  process.stdout.write = filter(process.stdout, originals.stdout);
  process.stderr.write = filter(process.stderr, originals.stderr);
  return {
    restore: () => {
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
    },
  };
}

export interface WorkerCounts {
  batches: number;
  records: number;
  retried: number;
  notDeleted: number;
  handlerErrors: number;
  pollErrors: number;
}

/** Counts what the stack's in-process worker reports; spread `hooks` into startLocalStack's options. */
export function workerCounters(): { counts: WorkerCounts; hooks: Pick<LocalStackOptions, 'onBatch' | 'onPollError'> } {
  const counts: WorkerCounts = { batches: 0, records: 0, retried: 0, notDeleted: 0, handlerErrors: 0, pollErrors: 0 };
  return {
    counts,
    hooks: {
      onBatch: ({ received, failed, handlerError, notDeleted }) => {
        counts.batches++;
        counts.records += received;
        counts.retried += failed;
        counts.notDeleted += notDeleted ?? 0;
        if (handlerError) counts.handlerErrors++;
      },
      onPollError: () => counts.pollErrors++,
    },
  };
}

/** Counts what a worker process (local/workerProcess.ts) reported in its batch and poll-error lines. */
export function workerCountsFromLines(lines: readonly Record<string, unknown>[]): WorkerCounts {
  const { counts, hooks } = workerCounters();
  for (const line of lines) {
    if (line.event === 'poll_error') hooks.onPollError?.(line.error);
    if (line.event !== 'batch') continue;
    hooks.onBatch?.({
      received: Number(line.received ?? 0),
      failed: Number(line.failed ?? 0),
      notDeleted: Number(line.not_deleted ?? 0),
      ...(line.handler_error === true ? { handlerError: true } : {}),
    });
  }
  return counts;
}

/** The machine, for the report: other work on a shared machine skews the figures, so the load average is in it. */
export function machineFacts() {
  return {
    node: process.version,
    cpus: `${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown'}`,
    ram_gib: Number((totalmem() / 1024 ** 3).toFixed(1)),
    load_average: Number((loadavg()[0] ?? 0).toFixed(2)),
  };
}

/** Report rows: one per answer status, under the line of posts. */
export const statusRows = (statuses: ReadonlyMap<string, number>) =>
  [...statuses.entries()].sort().map(([status, n]) => [`  status ${status}`, n] as const);

/** Report rows: what came out of the pipeline, the same in both modes. */
export function outcomeRows(outcome: {
  delivered: number;
  duplicates: number;
  lost: number;
  unexpected: number;
  deadLettered: number;
  leftInQueue: number;
}) {
  return [
    ['delivered', outcome.delivered],
    ['duplicates delivered', outcome.duplicates],
    ['lost', outcome.lost],
    ['unexpected deliveries', outcome.unexpected],
    ['dead-lettered', outcome.deadLettered],
    ['left in the queue', outcome.leftInQueue],
  ] as const;
}

/** Report rows: the machine and its load before and after the run. */
export function machineRows(loadAverageBefore: number) {
  const machine = machineFacts();
  return [
    ['machine', `${machine.cpus}, ${machine.ram_gib} GiB, Node ${machine.node}`],
    ['load average before / after (1 min)', `${loadAverageBefore} / ${machine.load_average}`],
  ] as const;
}
