/**
 * The unsubscribe page as a customer meets it, in headless Chromium with JavaScript off: the real
 * local pipeline delivers a mail, the link in it opens the page, its button unsubscribes, and the
 * customer's next send-out is skipped. Needs Chromium, so it is not part of `npm test`: run it with
 * `npm run test:browser` (.ci/run installs Chromium and runs it after npm test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DISTRIBUTE_SETTINGS, readSetting } from '../functions/shared/settings.ts';
import { dynamoUnsubscribeList, type UnsubscribeList } from '../functions/shared/unsubscribeList.ts';
import { launchChromium } from '../local/headlessChromium.ts';
import { LOCAL_UNSUBSCRIBE_TABLE_NAME, type LocalStack, startLocalStack } from '../local/localStack.ts';
import { asNewSendOut, createWebhookClient, type WebhookClient } from '../local/webhookClient.ts';
import { type CapturedOutput, captureOutput } from '../test/support/captureOutput.ts';
import { FIXTURE_SECRET, readFixture } from '../test/support/fixtures.ts';
import { readOutboxLines } from '../test/support/outbox.ts';

/** What the page names: the same setting, and so the same default, as the unsubscribe function's. */
const COMPANY_NAME = readSetting(process.env, DISTRIBUTE_SETTINGS.companyName);
const PHONE = { width: 375, height: 667 };

let stack: LocalStack;
let client: WebhookClient;
let browser: Browser;
let unsubscribes: UnsubscribeList;
let directory: string;
let output: CapturedOutput;

beforeAll(async () => {
  // First, so a machine without Chromium is told so before anything starts.
  browser = await launchChromium();
  output = captureOutput();
  directory = mkdtempSync(join(tmpdir(), 'voucherify-browser-'));
  stack = await startLocalStack({
    port: 0,
    secret: FIXTURE_SECRET,
    channel: 'outbox',
    outboxFile: join(directory, 'outbox.jsonl'),
    // Short, so a record retried after a transient failure comes back within the test's patience.
    visibilityTimeoutSeconds: 8,
    workerTimeoutSeconds: 2,
    // The fixture is dated; the replay guard has tests of its own.
    extraEnvironment: { MAX_EVENT_AGE_SECONDS: '0' },
  });
  client = createWebhookClient({ url: stack.url, secret: FIXTURE_SECRET });
  unsubscribes = dynamoUnsubscribeList({ client: stack.dynamo.client(), tableName: LOCAL_UNSUBSCRIBE_TABLE_NAME });
});

afterAll(async () => {
  await browser?.close();
  client?.close();
  await stack?.stop(5_000);
  output?.restore();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const outboxLines = () => readOutboxLines(join(directory, 'outbox.jsonl'));

/** Posts a plain-message send-out to the customer through the pipeline; returns its event id and the outbox line it produced, if any. */
async function sendTo(customerId: string): Promise<{ eventId: string; delivered: Record<string, unknown> | undefined }> {
  const document = JSON.parse(asNewSendOut(readFixture('segment-entered-plain-message.json')).body) as {
    event: { id: string };
    data: { customer: Record<string, unknown> };
  };
  document.event.id = `evcus_browser_${Math.random().toString(36).slice(2)}`;
  document.data.customer = { ...document.data.customer, id: customerId, email: `${customerId}@example.com` };
  const response = await client.post(JSON.stringify(document));
  if (response.status !== 202) throw new Error(`The webhook was answered ${response.status}: ${response.body}`);
  await stack.waitUntilDrained(20_000);
  return { eventId: document.event.id, delivered: outboxLines().find((line) => line.event_id === document.event.id) };
}

/** The unsubscribe link of a mail delivered to the customer. */
async function deliveredLink(customerId: string): Promise<string> {
  const { delivered: line } = await sendTo(customerId);
  if (typeof line?.unsubscribe_url !== 'string') throw new Error(`No mail with an unsubscribe link was delivered to ${customerId}`);
  return line.unsubscribe_url;
}

/** A page with JavaScript off (the page must work without it) that records every URL it requests. */
async function openPage(viewport: {
  width: number;
  height: number;
}): Promise<{ context: BrowserContext; page: Page; requested: string[] }> {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport });
  const page = await context.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  return { context, page, requested };
}

describe('the unsubscribe page in a browser', () => {
  test('the link in a delivered mail asks to confirm, the button unsubscribes, and the next send-out is skipped', async () => {
    const customerId = 'cust_browser_unsubscribes';
    const link = await deliveredLink(customerId);
    const { context, page, requested } = await openPage({ width: 600, height: 800 });
    try {
      // 1. Opening the link shows the company, a question and one button, and changes nothing: mail scanners follow links.
      const opened = await page.goto(link);
      expect(opened?.status()).toBe(200);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Unsubscribe');
      expect(await page.locator('main').textContent()).toContain(`Stop receiving e-mails from ${COMPANY_NAME}`);
      const button = page.getByRole('button', { name: 'Unsubscribe' });
      expect(await button.isVisible()).toBe(true);
      expect(await unsubscribes.isUnsubscribed(customerId)).toBe(false);

      // 2. The button posts the form (no JavaScript) and the page says it is done.
      const [posted] = await Promise.all([page.waitForResponse((response) => response.request().method() === 'POST'), button.click()]);
      expect(posted.status()).toBe(200);
      await page.waitForLoadState();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You are unsubscribed');
      expect(await page.locator('main').textContent()).toContain(`You will not receive these e-mails from ${COMPANY_NAME} again.`);
      expect(await page.getByRole('button').count()).toBe(0);

      // 3. Nothing came from anywhere but the page itself.
      expect(requested.length).toBeGreaterThanOrEqual(2);
      expect(requested.filter((url) => new URL(url).origin !== new URL(link).origin)).toEqual([]);
    } finally {
      await context.close();
    }

    // 4. The customer is on the list, and their next send-out is skipped as unsubscribed.
    expect(await unsubscribes.isUnsubscribed(customerId)).toBe(true);
    const next = await sendTo(customerId);
    expect(next.delivered).toBeUndefined();
    const outcomes = output
      .json()
      .filter((line) => line.event_id === next.eventId && line.outcome !== undefined)
      .map(({ outcome, reason }) => ({ outcome, reason }));
    expect(outcomes).toEqual([{ outcome: 'skipped', reason: 'unsubscribed' }]);
  });

  test('on a 375 px phone the button is in view, with no horizontal scrolling', async () => {
    const link = await deliveredLink('cust_browser_phone');
    const { context, page } = await openPage(PHONE);
    try {
      await page.goto(link);
      const box = await page.getByRole('button', { name: 'Unsubscribe' }).boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
      expect(box!.y + box!.height).toBeLessThanOrEqual(PHONE.height);
      const { scrollWidth, clientWidth } = await page.locator('html').evaluate((html) => ({
        scrollWidth: html.scrollWidth,
        clientWidth: html.clientWidth,
      }));
      expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    } finally {
      await context.close();
    }
  });

  test('a tampered link shows an error page with a 4xx, no button, and unsubscribes no one', async () => {
    const customerId = 'cust_browser_tampered';
    const link = new URL(await deliveredLink(customerId));
    link.searchParams.set('token', `${link.searchParams.get('token')?.slice(0, -3)}AAA`);
    const { context, page } = await openPage({ width: 600, height: 800 });
    try {
      const opened = await page.goto(link.href);
      expect(opened?.status()).toBeGreaterThanOrEqual(400);
      expect(opened?.status()).toBeLessThan(500);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This link is not valid');
      expect(await page.getByRole('button').count()).toBe(0);
    } finally {
      await context.close();
    }
    expect(await unsubscribes.isUnsubscribed(customerId)).toBe(false);
  });
});
