/**
 * The local stack's worker side in a child process (local/workerProcess.ts), started with the
 * Node that runs this one (the pinned Node 24 under npm and jest). The reliability tests kill it
 * mid-batch; load runs keep it off the event loop of the gateway and the ingest, as the worker
 * runs apart from them on Lambda.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { jsonObjectLines } from './jsonObjectLines.ts';
import type { LocalWorkerSettings } from './localWorker.ts';

const ENTRY = resolve(import.meta.dirname, 'workerProcess.ts');

export interface WorkerProcess {
  readonly pid: number;
  /** Every line it has written so far: its function logs (stdout) and batch lines (stderr). */
  readonly lines: string[];
  /** The lines that are JSON objects. */
  json(): Record<string, unknown>[];
  /** Resolves with how it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the signal and waits until the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a worker with the stack's settings; `environment` adds to or overrides the function's
 * variables (e.g. AWS_ENDPOINT_URL_DYNAMODB pointing at a proxy).
 */
export function startWorkerProcess(settings: LocalWorkerSettings, environment: Record<string, string> = {}): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      LOCAL_WORKER_SETTINGS: JSON.stringify({ ...settings, environment: { ...settings.environment, ...environment } }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('The worker process did not start');
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line.length > 0));
    });
    stream?.on('end', () => {
      if (partial) lines.push(partial);
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('close', (code, signal) => resolveExit({ code, signal })),
  );
  return {
    pid: child.pid,
    lines,
    json: () => jsonObjectLines(lines),
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
