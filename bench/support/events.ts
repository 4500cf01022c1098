/** The events the benchmarks send: API Gateway requests for the ingest, SQS batches for the worker. */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { MESSAGE_ATTRIBUTE } from '../../functions/shared/webhookContract.ts';
import { httpApiEvent, localQueueArn, sqsEvent, sqsRecord } from '../../local/lambdaEvents.ts';
import { freshEnvelopeId } from '../../local/webhookClient.ts';
import { PROJECT_ROOT } from './bundles.ts';
import { BENCH_QUEUES } from './emulators.ts';

export const SECRET = 'bench_secret_0f8e2d';
/**
 * The 6 KB unique-code send-out, pretty-printed as it is stored, made now: the replay guard
 * acknowledges, and does not enqueue, envelopes older than 14 days.
 */
const FIXTURE = readFileSync(join(PROJECT_ROOT, 'test/fixtures/voucherify/segment-entered-unique-code.json'), 'utf8').replace(
  /"created_at": "[^"]*"/,
  `"created_at": "${new Date().toISOString()}"`,
);

export const webhookEvent = (body: string, signature = createHmac('sha256', SECRET).update(body).digest('hex')): APIGatewayProxyEventV2 =>
  httpApiEvent({ headers: { 'content-type': 'application/json', 'x-voucherify-signature': signature }, body });

const withoutCustomer = (() => {
  const webhook = JSON.parse(FIXTURE);
  delete webhook.data.customer;
  return JSON.stringify(webhook, null, 2);
})();

export interface IngestCase {
  readonly name: string;
  readonly status: number;
  readonly event: APIGatewayProxyEventV2;
  /** Requests per timed block: each block lasts roughly as long whatever a request costs. */
  readonly iterations: number;
}

export const ingestCases = (quick: boolean): readonly IngestCase[] => [
  { name: '202 accepted', status: 202, event: webhookEvent(FIXTURE), iterations: quick ? 5 : 300 },
  // Well formed (64 hex digits), so every build gets as far as computing its HMACs.
  { name: '401 forged signature', status: 401, event: webhookEvent(FIXTURE, 'ab'.repeat(32)), iterations: quick ? 20 : 4000 },
  { name: '422 missing customer', status: 422, event: webhookEvent(withoutCustomer), iterations: quick ? 20 : 3000 },
];

/** A valid send-out padded with customer metadata up to `bytes`: the largest body the ingest accepts. */
export function largestWebhookEvent(bytes: number): APIGatewayProxyEventV2 {
  const webhook = JSON.parse(FIXTURE);
  webhook.data.customer.metadata = { notes: '' };
  webhook.data.customer.metadata.notes = 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify(webhook)) - 64);
  return webhookEvent(JSON.stringify(webhook));
}

const compact = JSON.stringify(JSON.parse(FIXTURE));
let sequence = 0;

/** A batch as the event source mapping delivers it, of new send-outs (fresh envelope ids), so each record is really delivered. */
export function sqsBatch(size: number): SQSEvent {
  const record = () => {
    const [id, eventId] = [freshEnvelopeId(), `evcus_bench_${(++sequence).toString(36)}`];
    const body = compact.replace(/"id":"whs_[^"]*"/, `"id":"${id}"`).replace(/"evcus_[^"]*"/, `"${eventId}"`);
    const attributes = {
      [MESSAGE_ATTRIBUTE.envelopeId]: id,
      [MESSAGE_ATTRIBUTE.eventId]: eventId,
      [MESSAGE_ATTRIBUTE.distributionKind]: 'unique_code',
    };
    const messageAttributes = Object.fromEntries(
      Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
    );
    return sqsRecord(
      { messageId: `m-${sequence}`, receiptHandle: `r-${sequence}`, body, messageAttributes },
      localQueueArn(BENCH_QUEUES.webhooks),
    );
  };
  return sqsEvent(Array.from({ length: size }, record));
}
