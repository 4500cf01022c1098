/**
 * `npm start`'s pipeline end to end on a free port: every shared fixture posted over HTTP as
 * Voucherify would, each answer checked, and the outbox checked for exactly one line per
 * deliverable send-out, none for the others and none twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { type LocalStack, startLocalStack } from '../local/localStack.ts';
import { asNewSendOut, createWebhookClient, type WebhookClient } from '../local/webhookClient.ts';
import { type CapturedOutput, captureOutput } from './support/captureOutput.ts';
import {
  DELIVERABLE_FIXTURES,
  EXPECTED_INGEST_STATUS,
  FIXTURE_SECRET,
  fixtureNames,
  fixtureSignatures,
  readFixture,
} from './support/fixtures.ts';
import { readOutboxLines } from './support/outbox.ts';

// The shared fixtures' own signatures are made with this secret, so they are used as sent.
const SECRET = FIXTURE_SECRET;
let stack: LocalStack;
let client: WebhookClient;
let directory: string;
let outboxFile: string;
let output: CapturedOutput;

const outboxLines = () => readOutboxLines(outboxFile);

beforeAll(async () => {
  output = captureOutput();
  directory = mkdtempSync(join(tmpdir(), 'voucherify-e2e-'));
  outboxFile = join(directory, 'outbox.jsonl');
  stack = await startLocalStack({
    port: 0,
    secret: SECRET,
    channel: 'outbox',
    outboxFile,
    // Short, so a record retried after a transient failure comes back within the test's patience.
    visibilityTimeoutSeconds: 8,
    workerTimeoutSeconds: 2,
    // The fixtures are dated and posted as they are; the replay guard has tests of its own.
    extraEnvironment: { MAX_EVENT_AGE_SECONDS: '0' },
  });
  client = createWebhookClient({ url: stack.url, secret: SECRET });
});

afterAll(async () => {
  client?.close();
  await stack?.stop(5_000);
  output.restore();
  rmSync(directory, { recursive: true, force: true });
});

describe('the local pipeline', () => {
  test('answers every shared fixture as the fixtures README says and delivers each deliverable send-out exactly once', async () => {
    for (const name of fixtureNames()) {
      const response = await client.post(readFixture(name), { signature: fixtureSignatures(name).hmac_raw });
      expect({ name, status: response.status }).toEqual({ name, status: EXPECTED_INGEST_STATUS[name] });
      expect(() => JSON.parse(response.body)).not.toThrow();
    }
    await stack.waitUntilDrained(20_000);
    // The same send-outs again, as Voucherify's retries or a manual re-send would post them.
    for (const name of Object.keys(DELIVERABLE_FIXTURES)) {
      expect((await client.post(readFixture(name))).status).toBe(202);
    }
    await stack.waitUntilDrained(20_000);

    const lines = outboxLines();
    const delivered = lines.map((line) => line.event_id);
    const expected = Object.keys(DELIVERABLE_FIXTURES).map((name) => (JSON.parse(readFixture(name)) as { event: { id: string } }).event.id);
    expect(delivered.sort()).toEqual(expected.sort());
    for (const [name, kind] of Object.entries(DELIVERABLE_FIXTURES)) {
      const body = JSON.parse(readFixture(name)) as Record<string, any>;
      const line = lines.find((candidate) => candidate.event_id === body.event.id && candidate.customer_id === body.data.customer.id);
      expect(line).toMatchObject({ kind, to: body.data.customer.email, segment_id: body.data.segment.id });
    }
    expect((await stack.queueDepths()).deadLettered).toBe(0);
  });

  test('accepts and delivers a customer whose name holds characters above U+FFFF, as SQS does', async () => {
    const { body } = asNewSendOut(readFixture('segment-entered-promotion.json'));
    const document = JSON.parse(body) as Record<string, any>;
    document.event.id = 'evcus_emoji_in_the_name';
    document.data.customer.name = 'Zoë 🎉 Kowalski 𝔸';
    document.data.customer.metadata = { favourite: '🍕', note: 'a 𝄞 clef' };
    const response = await client.post(JSON.stringify(document));
    expect(response.status).toBe(202);
    await stack.waitUntilDrained(20_000);
    const sent = await stack.sqs
      .client()
      .send(new ReceiveMessageCommand({ QueueUrl: stack.deadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect(sent.Messages ?? []).toEqual([]);
    expect(outboxLines().filter((line) => line.event_id === 'evcus_emoji_in_the_name')).toHaveLength(1);
  });

  test('one-click unsubscribe: the delivered link unsubscribes its customer, whose next send-out is skipped; a tampered link does nothing', async () => {
    const customer = { id: 'cust_unsubscribes_e2e', email: 'leaving@example.com' };
    const sendOut = () => {
      const { body } = asNewSendOut(readFixture('segment-entered-plain-message.json'));
      const document = JSON.parse(body) as Record<string, any>;
      document.event.id = `evcus_unsub_${Math.random().toString(36).slice(2)}`;
      document.data.customer = { ...document.data.customer, ...customer };
      return { document, body: JSON.stringify(document) };
    };
    const first = sendOut();
    expect((await client.post(first.body)).status).toBe(202);
    await stack.waitUntilDrained(20_000);
    const delivered = outboxLines().find((line) => line.event_id === first.document.event.id);
    expect(delivered).toMatchObject({
      from: '"Example Shop" <no-reply@example.com>',
      headers: { 'List-Unsubscribe': `<${delivered?.unsubscribe_url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    const link = String(delivered?.unsubscribe_url);
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?token=/);
    expect(delivered?.text).toContain(link);

    // 3. A tampered token: a 4xx, and the customer is still mailed.
    const tampered = new URL(link);
    tampered.searchParams.set('token', `${tampered.searchParams.get('token')?.slice(0, -3)}AAA`);
    const refused = await fetch(tampered, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    const stillMailed = sendOut();
    expect((await client.post(stillMailed.body)).status).toBe(202);
    await stack.waitUntilDrained(20_000);
    expect(outboxLines().some((line) => line.event_id === stillMailed.document.event.id)).toBe(true);

    // 1. The delivered link, POSTed one-click as a mail client does: 2xx.
    const oneClick = await fetch(link, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(oneClick.status).toBe(200);

    // 2. The next send-out to that customer is skipped as unsubscribed.
    const next = sendOut();
    expect((await client.post(next.body)).status).toBe(202);
    await stack.waitUntilDrained(20_000);
    expect(outboxLines().some((line) => line.event_id === next.document.event.id)).toBe(false);
    expect(output.json()).toEqual(
      expect.arrayContaining([expect.objectContaining({ outcome: 'skipped', reason: 'unsubscribed', event_id: next.document.event.id })]),
    );
  });

  test('accepts a body signed over its compact form', async () => {
    const name = 'segment-entered-plain-message.json';
    const signature = fixtureSignatures(name).hmac_compact as string;
    const response = await client.post(readFixture(name), { signature });
    expect(response.status).toBe(202);
  });

  test('refuses a wrong signature with 401 before anything is queued', async () => {
    const response = await client.post(readFixture('segment-entered-unique-code.json'), { signature: '0'.repeat(64) });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ error: 'invalid_signature' });
  });

  test('answers 404 for another path and 405 for another method, with JSON bodies', async () => {
    const base = new URL(stack.url);
    const other = await fetch(new URL('/webhooks/other', base), { method: 'POST', body: '{}' });
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ error: 'not_found' });
    const get = await fetch(stack.url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toEqual({ error: 'method_not_allowed' });
  });
});
