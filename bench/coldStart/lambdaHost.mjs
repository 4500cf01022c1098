/**
 * A stand-in for Lambda's Node.js runtime around one bundled handler, for the cold-start and memory
 * benchmarks: a fresh process that imports the bundle and invokes its `handler`. Plain JavaScript on
 * purpose: a TypeScript host would make Node load its type stripper first and charge every variant
 * for it.
 *
 *   node lambdaHost.mjs <bundle.mjs> once <event.json> <result.json>   import, one invocation, report, exit
 *   node lambdaHost.mjs <bundle.mjs> import - <result.json>            import only, report, exit
 *   node lambdaHost.mjs <bundle.mjs> serve                             invocations over IPC, one at a time, as on Lambda
 *
 * Reported times come from performance.now(), whose origin is the start of the process: `bootMs` is
 * Node's own start-up until this file runs, `importMs` the bundle's import (module evaluation,
 * including everything it does at load), `firstRequestMs` the first invocation.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const bootMs = performance.now();
const [bundle, mode, eventFile, resultFile] = process.argv.slice(2);

let sequence = 0;
function context() {
  const deadline = Date.now() + 30_000;
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bench';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '256',
    awsRequestId: `bench-${process.pid}-${++sequence}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

const imported = await import(pathToFileURL(bundle).href);
const importedAt = performance.now();
const handler = imported.handler;

const memory = () => {
  const usage = process.memoryUsage();
  return {
    rss: usage.rss,
    maxRssKiB: process.resourceUsage().maxRSS,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
  };
};

if (mode === 'serve') {
  process.on('message', async (message) => {
    if (message?.type === 'invoke') {
      let response;
      let error;
      try {
        response = await handler(message.event, context());
      } catch (thrown) {
        error = String(thrown?.stack ?? thrown);
      }
      process.send({ type: 'result', id: message.id, response, error, memory: memory() });
    } else if (message?.type === 'stop') {
      process.send({ type: 'stopped', memory: memory(), importMs: importedAt - bootMs }, () => process.exit(0));
    }
  });
  process.send({ type: 'ready', bootMs, importMs: importedAt - bootMs, memory: memory() });
} else {
  let firstRequestMs = 0;
  let status;
  if (mode === 'once') {
    const event = JSON.parse(readFileSync(eventFile, 'utf8'));
    const response = await handler(event, context());
    firstRequestMs = performance.now() - importedAt;
    status = response?.statusCode;
  }
  writeFileSync(resultFile, JSON.stringify({ bootMs, importMs: importedAt - bootMs, firstRequestMs, status, memory: memory() }));
  process.exit(0);
}
