import { appendFileSync, readFileSync } from 'node:fs';
import { createIngestHandler } from '../functions/ingest/ingestHandler.ts';
import { createBoundedSqsClient } from '../functions/ingest/webhookQueue.ts';
import { lambdaContext } from '../local/lambdaEvents.ts';
import { localAwsEnvironment } from '../local/localAws.ts';
import { startLocalSqs } from '../local/localSqs.ts';
import { signedEvent } from '../test/support/webhookRequests.ts';
import { createFloorHandler } from './ingestFloor.ts';

const sqs = await startLocalSqs({ queues: [{ name: 'bench' }] });
Object.assign(process.env, localAwsEnvironment({ sqs: sqs.endpoint }));
const secret = 'test_secret_do_not_use';
const ours = createIngestHandler({ QUEUE_URL: sqs.queueUrl('bench'), VOUCHERIFY_WEBHOOK_SECRET: secret });
const floor = createFloorHandler({ client: createBoundedSqsClient(), queueUrl: sqs.queueUrl('bench'), secret });
const body = readFileSync('/work/shared/voucherify/fixtures/segment-entered-unique-code.json', 'utf8');
const missing = JSON.parse(body); delete missing.data.customer;
const missingBody = JSON.stringify(missing, null, 2);
const cases = {
  valid: signedEvent(body),
  badsig: signedEvent(body, { signature: 'a'.repeat(64) }),
  missing: signedEvent(missingBody),
};
const ctx = lambdaContext('x');
async function time(fn: () => Promise<unknown>, n: number) { const t = performance.now(); for (let i = 0; i < n; i++) await fn(); return (performance.now() - t) / n * 1000; }
for (const [name, event] of Object.entries(cases)) {
  const n = name === 'valid' ? 500 : 20000;
  const rf: number[] = [], ro: number[] = [];
  for (let round = 0; round < 7; round++) {
    rf.push(await time(() => floor(event), n));
    ro.push(await time(() => ours(event, ctx), n));
  }
  rf.sort((a, b) => a - b); ro.sort((a, b) => a - b);
  appendFileSync("/tmp/bench.out", `${name}: floor ${rf[3]!.toFixed(2)}us ours ${ro[3]!.toFixed(2)}us ratio ${(ro[3]! / rf[3]!).toFixed(2)}\n`);
}
await sqs.stop();
process.exit(0);
