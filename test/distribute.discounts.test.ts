/**
 * Every discount shape in Voucherify's schema, in words: one real webhook body per shape under
 * test/fixtures/discounts (the unique-code fixture with its voucher changed), rendered with the
 * default unique-code template.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeDiscount } from '../functions/distribute/describeDiscount.ts';
import { buildMessageView } from '../functions/distribute/messageView.ts';
import { renderMessage } from '../functions/distribute/renderMessage.ts';
import type { Voucher } from '../functions/shared/webhookContract.ts';
import { defaultFormatters, messageContext, paragraphsOf, parsedSendOut, sendOut } from './support/segmentEnteredWebhooks.ts';

const format = defaultFormatters;
const DISCOUNT_FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/discounts');
const renderFixture = (name: string) =>
  renderMessage(parsedSendOut(readFileSync(join(DISCOUNT_FIXTURES, name), 'utf8')), { ...messageContext, overrides: {} });

/** Each fixture, the subject it gets, and the sentence the text and the HTML carry. */
const SHAPES: readonly [fixture: string, subject: string, sentence: string][] = [
  ['amount.json', 'Your code for €10.00 off', 'It gives you €10.00 off.'],
  ['percent.json', 'Your code for 20% off, up to €25.00', 'It gives you 20% off, up to €25.00.'],
  ['fixed.json', 'Your code for a fixed price of €49.99', 'It gives you a fixed price of €49.99.'],
  ['unit-single.json', 'Your code for a free Espresso cup', 'It gives you a free Espresso cup.'],
  [
    'unit-multiple.json',
    'Your code for a free Espresso cup and 2 × Almond biscotti free',
    'It gives you a free Espresso cup and 2 × Almond biscotti free.',
  ],
  ['gift-card.json', 'Your code for a gift card worth €50.00', 'It gives you a gift card worth €50.00.'],
  ['loyalty-card.json', 'Your code for 1,200 loyalty points', 'It gives you 1,200 loyalty points.'],
  ['referral.json', 'Your code to share: friends get €10.00 off', 'Share it with your friends: they get €10.00 off when they use it.'],
];

describe('every discount shape, from a real webhook body', () => {
  test('each fixture in test/fixtures/discounts has its expected words here', () => {
    expect(readdirSync(DISCOUNT_FIXTURES).sort()).toEqual(SHAPES.map(([fixture]) => fixture).sort());
  });

  test.each(SHAPES)('%s gets the subject %p and says what it gives in the text and the HTML', (fixture, subject, sentence) => {
    const message = renderFixture(fixture);
    expect(message).toMatchObject({ kind: 'unique_code', templateKey: 'default', subject });
    expect(message.text).toContain(`\n\n${sentence}\n`);
    expect(paragraphsOf(message.html.replace(/<\/?strong>/g, ''))).toContain(sentence);
  });

  test('a referral code never tells its holder that the discount is theirs', () => {
    const message = renderFixture('referral.json');
    for (const part of [message.subject, message.text, message.html]) expect(part).not.toMatch(/gives you|Your code for/);
  });
});

describe('describeDiscount for free items', () => {
  const unitVoucher = (discount: Record<string, unknown>): Voucher =>
    ({ code: 'CODE-1', discount: { type: 'UNIT', ...discount } }) as Voucher;
  const item = (name: string) => ({ id: 'prod_1', name });

  test.each([
    ['one named product', { unit_off: 1, unit_type: 'prod_1', product: item('Espresso cup') }, 'a free Espresso cup'],
    ['several of a named product', { unit_off: 3, product: item('Espresso cup') }, '3 × Espresso cup free'],
    [
      'a variant, named before its product',
      { unit_off: 1, product: item('Biscotti'), sku: item('Almond biscotti') },
      'a free Almond biscotti',
    ],
    ['a product with a blank name, by count', { unit_off: 2, product: item('   ') }, '2 units off'],
    ['a product id alone, by count, never by id', { unit_off: 1, unit_type: 'prod_0b7d1f6c2a9e4d3b51' }, '1 unit off'],
  ])('describes %s', (_name, discount, words) => {
    expect(describeDiscount(unitVoucher(discount), format)).toBe(words);
  });

  test.each([
    [
      'named items, listed',
      [
        { unit_off: 1, product: item('A') },
        { unit_off: 2, product: item('B') },
      ],
      'a free A and 2 × B free',
    ],
    [
      'unnamed items, counted together',
      [
        { unit_off: 1, unit_type: 'prod_1' },
        { unit_off: 2, unit_type: 'prod_2' },
      ],
      '3 units off',
    ],
    [
      'named and unnamed items',
      [
        { unit_off: 1, product: item('A') },
        { unit_off: 1, unit_type: 'prod_2' },
      ],
      'a free A and 1 more free unit',
    ],
    [
      'more items than a subject has room for',
      ['A', 'B', 'C', 'D', 'E'].map((name) => ({ unit_off: 1, product: item(name) })),
      'a free A, a free B, a free C and 2 more free units',
    ],
    [
      'entries that are not items, or give nothing',
      [null, 'prod_1', { unit_off: 0, product: item('Zero') }, { unit_off: 1, product: item('A') }],
      'a free A',
    ],
  ])('describes several free items (ADD_MANY_ITEMS): %s', (_name, units, words) => {
    const webhook = sendOut('unique_code', { voucher: { discount: { type: 'UNIT', effect: 'ADD_MANY_ITEMS', units } } });
    expect(describeDiscount(webhook.data.voucher as Voucher, format)).toBe(words);
  });

  test('says nothing for a list of items that gives nothing', () => {
    const webhook = sendOut('unique_code', { voucher: { discount: { type: 'UNIT', units: [{ unit_off: 0 }, null] } } });
    expect(describeDiscount(webhook.data.voucher as Voucher, format)).toBeNull();
  });
});

describe('referral codes', () => {
  test('are recognised by the campaign type when the voucher does not say', () => {
    const webhook = sendOut('unique_code', { voucher: { is_referral_code: null }, campaign: { campaign_type: 'REFERRAL_PROGRAM' } });
    expect(buildMessageView(webhook, 'unique_code', messageContext).voucher).toMatchObject({
      discount: null,
      referral_discount: '15% off, up to €50.00',
      is_referral: true,
    });
  });

  test('that give friends nothing still ask to be shared', () => {
    const message = renderMessage(
      sendOut('unique_code', { voucher: { is_referral_code: true, discount: { type: 'AMOUNT', amount_off: 0 } } }),
      {
        ...messageContext,
        overrides: {},
      },
    );
    expect(message.subject).toBe('Your code to share with friends');
    expect(message.text).toContain('\n\nShare it with your friends.\n');
    expect(message.text).not.toContain('It gives you');
  });

  test('an ordinary code is no referral code', () => {
    expect(buildMessageView(sendOut('unique_code'), 'unique_code', messageContext).voucher).toMatchObject({
      discount: '15% off, up to €50.00',
      referral_discount: null,
      is_referral: false,
    });
  });
});
