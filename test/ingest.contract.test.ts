import { classifyDistribution, distributionIdOf, parseWebhook, SEGMENT_ENTERED_EVENT_TYPE } from '../functions/shared/webhookContract.ts';
import { DELIVERABLE_FIXTURES, EXPECTED_INGEST_STATUS, readFixture } from './support/fixtures.ts';

const fixture = (name: string) => JSON.parse(readFixture(name)) as Record<string, any>;
const segmentEntered = () => fixture('segment-entered-plain-message.json');

const expectedOutcome = (status: number) => (status === 202 ? 'segment_entered' : status === 200 ? 'other_event' : 'invalid');

describe('parseWebhook on the shared fixtures', () => {
  test.each(Object.entries(EXPECTED_INGEST_STATUS).filter(([name]) => name.endsWith('.json')))(
    '%s is %s as the fixtures README says',
    (name, status) => {
      expect(parseWebhook(fixture(name)).outcome).toBe(expectedOutcome(status));
    },
  );

  test('names the failing path when data has no customer', () => {
    expect(parseWebhook(fixture('invalid-missing-customer.json'))).toEqual({
      outcome: 'invalid',
      issues: [{ path: 'data.customer', message: 'is required' }],
    });
  });

  test('names the failing path when the segment has no id', () => {
    expect(parseWebhook(fixture('invalid-segment-without-id.json'))).toEqual({
      outcome: 'invalid',
      issues: [{ path: 'data.segment.id', message: 'is required' }],
    });
  });

  test('refuses data that is an array', () => {
    expect(parseWebhook(fixture('invalid-data-not-object.json'))).toEqual({
      outcome: 'invalid',
      issues: [{ path: 'data', message: 'must be a JSON object' }],
    });
  });

  test('keeps unknown keys at every level', () => {
    const body = fixture('valid-unknown-extra-top-level-key.json');
    body.data.customer.favourite_colour = 'teal';
    const parsed = parseWebhook(body);
    if (parsed.outcome !== 'segment_entered') throw new Error('expected segment_entered');
    const extraKeys = Object.keys(body).filter(
      (key) => !['id', 'project_id', 'created_at', 'type', 'data', 'source', 'event'].includes(key),
    );
    expect(extraKeys.length).toBeGreaterThan(0);
    for (const key of extraKeys) expect(parsed.webhook[key]).toEqual(body[key]);
    expect(parsed.webhook.data.customer.favourite_colour).toBe('teal');
  });

  test('reports other event types in a valid envelope without validating their data', () => {
    const parsed = parseWebhook(fixture('other-event-voucher-published.json'));
    expect(parsed.outcome).toBe('other_event');
    if (parsed.outcome === 'other_event') expect(parsed.envelope.event.type).toBe('voucher.published');
  });
});

describe('parseWebhook on hand-made shapes', () => {
  test('refuses a legacy v2018-08-01 body', () => {
    const legacy = {
      id: 'evt_1',
      object: 'event',
      webhook_id: 'wh_1',
      type: 'customer.segment.entered',
      created_at: '2026-01-01T00:00:00.000Z',
      data: { object: { id: 'cust_1' } },
    };
    const parsed = parseWebhook(legacy);
    expect(parsed.outcome).toBe('invalid');
    if (parsed.outcome === 'invalid') {
      expect(parsed.issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['project_id', 'source', 'event']));
    }
  });

  test('refuses a raw-payload body with no envelope', () => {
    const raw = segmentEntered().data;
    expect(parseWebhook(raw).outcome).toBe('invalid');
  });

  test.each([
    ['the envelope id is missing', (body: any) => delete body.id, 'id'],
    ['the envelope id is empty', (body: any) => (body.id = ''), 'id'],
    ['type is not a string', (body: any) => (body.type = 7), 'type'],
    ['project_id is null', (body: any) => (body.project_id = null), 'project_id'],
    ['source is a string', (body: any) => (body.source = 'distr_1'), 'source'],
    ['event is an array', (body: any) => (body.event = []), 'event'],
    ['event.type is missing', (body: any) => delete body.event.type, 'event.type'],
    ['event.id is a number', (body: any) => (body.event.id = 12), 'event.id'],
    ['customer.id is a number', (body: any) => (body.data.customer.id = 12), 'data.customer.id'],
    ['customer is null', (body: any) => (body.data.customer = null), 'data.customer'],
    ['segment.id is null', (body: any) => (body.data.segment.id = null), 'data.segment.id'],
    ['segment is missing', (body: any) => delete body.data.segment, 'data.segment'],
    ['the envelope id holds a NUL, which SQS refuses in an attribute', (body: any) => (body.id = 'whs_\u0000'), 'id'],
    ['event.id holds an unpaired surrogate', (body: any) => (body.event.id = 'evcus_\ud800'), 'event.id'],
    ['the envelope id is longer than 256 characters', (body: any) => (body.id = `whs_${'x'.repeat(253)}`), 'id'],
  ])('refuses a segment-entered body where %s, naming %s', (_case, mutate, path) => {
    const body = segmentEntered();
    mutate(body);
    const parsed = parseWebhook(body);
    expect(parsed.outcome).toBe('invalid');
    if (parsed.outcome === 'invalid') expect(parsed.issues.map((issue) => issue.path)).toContain(path);
  });

  test('treats optional fields that are null, missing or of an unexpected type as absent', () => {
    const body = fixture('segment-entered-unique-code.json');
    body.data.customer.name = null;
    body.data.customer.email = 42;
    delete body.data.customer.phone;
    body.data.voucher.discount.percent_off = '15';
    body.data.campaign = 'not an object';
    const parsed = parseWebhook(body);
    if (parsed.outcome !== 'segment_entered') throw new Error(JSON.stringify(parsed));
    expect(parsed.webhook.data.customer.name).toBeNull();
    expect(parsed.webhook.data.customer.email).toBeUndefined();
    expect(parsed.webhook.data.voucher?.discount?.percent_off).toBeUndefined();
    expect(parsed.webhook.data.campaign).toBeUndefined();
    expect(parsed.webhook.data.voucher?.code).toBe('WELCOME-7QX2K9');
  });

  test('drops prototype-pollution keys instead of copying them', () => {
    const body = JSON.parse(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},' +
        readFixture('segment-entered-minimal.json').trim().slice(1),
    );
    const parsed = parseWebhook(body);
    expect(parsed.outcome).toBe('segment_entered');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (parsed.outcome === 'segment_entered') {
      expect(Object.getPrototypeOf(parsed.webhook)).toBe(Object.prototype);
      expect(Object.hasOwn(parsed.webhook, '__proto__')).toBe(false);
    }
  });

  test('is the event type this product acts on', () => {
    expect(SEGMENT_ENTERED_EVENT_TYPE).toBe('customer.segment.entered');
  });
});

describe('ids the contract accepts', () => {
  test.each([
    ['a non-Latin-1 envelope id', ['id'], 'whs_ключ'],
    ['an emoji in the event id', ['event', 'id'], 'evcus_🎉'],
    ['a space in the envelope id', ['id'], 'whs_a b'],
  ])('refuses %s, which no HTTP header could carry', (_case, path, value) => {
    const body = fixture('segment-entered-minimal.json');
    let node: Record<string, any> = body;
    for (const key of path.slice(0, -1)) node = node[key];
    node[path[path.length - 1]!] = value;
    const parsed = parseWebhook(body);
    expect(parsed.outcome).toBe('invalid');
    if (parsed.outcome === 'invalid') expect(parsed.issues.map((issue) => issue.path)).toEqual([path.join('.')]);
  });
});

describe('classifyDistribution', () => {
  test.each(Object.entries(DELIVERABLE_FIXTURES))('classifies %s as %s', (name, kind) => {
    const parsed = parseWebhook(fixture(name));
    if (parsed.outcome !== 'segment_entered') throw new Error('expected segment_entered');
    expect(classifyDistribution(parsed.webhook.data)).toBe(kind);
  });

  test('classifies the minimal fixture as a plain message', () => {
    const parsed = parseWebhook(fixture('segment-entered-minimal.json'));
    if (parsed.outcome !== 'segment_entered') throw new Error('expected segment_entered');
    expect(classifyDistribution(parsed.webhook.data)).toBe('plain_message');
  });

  test('needs a voucher code, not just a voucher, for unique_code', () => {
    expect(classifyDistribution({ voucher: { code: null }, promotion_tier: { id: 'promo_1' } })).toBe('promotion');
    expect(classifyDistribution({ voucher: { code: '' }, promotion_tier: undefined })).toBe('plain_message');
    expect(classifyDistribution({ voucher: { code: 'X' }, promotion_tier: { id: 'promo_1' } })).toBe('unique_code');
  });
});

describe('distributionIdOf', () => {
  test('is the distribution that sent the webhook', () => {
    const parsed = parseWebhook(fixture('segment-entered-promotion.json'));
    if (parsed.outcome !== 'segment_entered') throw new Error('expected segment_entered');
    expect(distributionIdOf(parsed.webhook)).toMatch(/^distr_/);
  });

  test('falls back to the publication metadata when the source is not a distribution', () => {
    const body = fixture('segment-entered-unique-code.json');
    body.source = { id: 'wh_1', object: 'webhook' };
    const parsed = parseWebhook(body);
    if (parsed.outcome !== 'segment_entered') throw new Error('expected segment_entered');
    expect(distributionIdOf(parsed.webhook)).toBe('distr_8KqZt3WvLc0RbYn5HsPd2Ue6Xa');
  });
});
