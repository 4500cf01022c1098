/**
 * A stand-in for Lambda's Node.js runtime around one bundle, driven over IPC by functionProcess.ts:
 * imports the bundle, then runs `invoke` (one event) and `block` (events run `repeat` times each,
 * timed in here so no IPC round trip sits in the measurement). Plain JavaScript, so no type stripper
 * is loaded before the bundle and charged to its cold start. performance.now() starts with the process.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const bootMs = performance.now();

// Log volume is billed, so count what the handler writes; the bytes still reach the stream
// (/dev/null), so each line's write(2) is paid as on Lambda.
let logBytes = 0;
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write;
  stream.write = function countedWrite(chunk, ...rest) {
    logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return write.call(this, chunk, ...rest);
  };
}
const context = () => ({
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: crypto.randomUUID(),
  getRemainingTimeInMillis: () => 10_000,
});
const memory = () => ({ maxRssKiB: process.resourceUsage().maxRSS });
// Lambda hands every invocation a new event object, and Middy writes into it (body, headers).
const fresh = (event) => ({ ...event, ...(event.headers ? { headers: { ...event.headers } } : {}) });
// A status, or how many records of a batch failed: every build must answer as expected.
const outcomeOf = (response) => String(response?.statusCode ?? `failed records: ${response?.batchItemFailures?.length}`);
const reportError = (error) => process.send({ type: 'error', error: String(error?.stack ?? error) });

async function block({ events, repeat, warmUp }) {
  for (let index = 0; index < warmUp; index++) await handler(fresh(events[index % events.length]), context());
  const outcomes = {};
  const [logBefore, cpuBefore, started] = [logBytes, process.cpuUsage(), performance.now()];
  for (const event of events) {
    for (let index = 0; index < repeat; index++) {
      const outcome = outcomeOf(await handler(fresh(event), context()));
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  }
  const [wallMs, cpu, count] = [performance.now() - started, process.cpuUsage(cpuBefore), events.length * repeat];
  const cpuUs = (cpu.user + cpu.system) / count;
  return { type: 'block', wallUs: (wallMs * 1000) / count, cpuUs, logBytes: (logBytes - logBefore) / count, outcomes, memory: memory() };
}

async function invoke({ event }) {
  const [logBefore, started] = [logBytes, performance.now()];
  const response = await handler(event, context());
  return { type: 'invoked', response, ms: performance.now() - started, logBytes: logBytes - logBefore, memory: memory() };
}

let handler;
try {
  // As Lambda's runtime loads a handler: a CommonJS file with require, an ES module with import.
  const file = process.argv[2];
  ({ handler } = file.endsWith('.cjs') ? createRequire(file)(file) : await import(pathToFileURL(file).href));
} catch (error) {
  reportError(error);
}
const importMs = performance.now() - bootMs;
process.on('message', (message) =>
  (message.type === 'block' ? block(message) : invoke(message)).then((reply) => process.send(reply), reportError),
);
process.on('disconnect', () => process.exit(0));
if (handler) process.send({ type: 'ready', bootMs, importMs, memory: memory() });
