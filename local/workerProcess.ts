/**
 * node local/workerProcess.ts — the local stack's worker side (the event-source-mapping stand-in
 * and the distribute handler) in a process of its own, configured by LOCAL_WORKER_SETTINGS: the
 * JSON of a LocalWorkerSettings, as `LocalStack.workerSettings` gives it. The reliability tests run
 * the worker this way so they can kill it with SIGKILL mid-batch, as Lambda does to an invocation
 * that times out or whose sandbox dies.
 *
 * Writes the function's own logs to stdout, as on Lambda, and one JSON line per batch to stderr.
 * Exits 2 on unusable settings. SIGTERM stops it gracefully: batches received are finished first.
 */
import { loadDistributeConfig } from '../functions/distribute/config.ts';
import type { LocalWorkerSettings } from './localWorker.ts';
import { startLocalWorker } from './localWorker.ts';

const say = (fields: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ local_worker: process.pid, ...fields })}\n`);

let settings: LocalWorkerSettings;
try {
  settings = JSON.parse(process.env.LOCAL_WORKER_SETTINGS ?? '') as LocalWorkerSettings;
  // The SDK clients the handler builds read their endpoints from the process environment.
  Object.assign(process.env, settings.environment);
  // Fail fast here rather than report every record as failed: a test would only see a timeout.
  loadDistributeConfig(process.env);
} catch (error) {
  say({ event: 'unusable_settings', error: error instanceof Error ? error.message : String(error) });
  process.exit(2);
}

const worker = startLocalWorker(settings, {
  onBatch: ({ received, failed, handlerError, notDeleted }) =>
    say({ event: 'batch', received, failed, handler_error: handlerError !== undefined, not_deleted: notDeleted ?? 0 }),
  onPollError: (error) => say({ event: 'poll_error', error: error instanceof Error ? error.name : String(error) }),
});
say({ event: 'started' });

process.once('SIGTERM', () => {
  void worker.stop().then(() => {
    say({ event: 'stopped' });
    process.exit(0);
  });
});
