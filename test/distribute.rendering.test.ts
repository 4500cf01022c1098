import { describeDiscount } from '../functions/distribute/describeDiscount.ts';
import { createFormatters } from '../functions/distribute/formatters.ts';
import { renderMessage } from '../functions/distribute/renderMessage.ts';
import type { Voucher } from '../functions/shared/webhookContract.ts';
import { DELIVERABLE_FIXTURES, readFixture } from './support/fixtures.ts';
import { defaultFormatters, messageContext, paragraphsOf, parsedSendOut, sendOut } from './support/segmentEnteredWebhooks.ts';

const format = defaultFormatters;
const render = (webhook: Parameters<typeof renderMessage>[0]) => renderMessage(webhook, { ...messageContext, overrides: {} });

describe('renderMessage with every deliverable fixture', () => {
  test.each(Object.entries(DELIVERABLE_FIXTURES))('renders %s as a %s message to the customer', (name, kind) => {
    const message = render(parsedSendOut(readFixture(name)));
    expect(message).toMatchObject({
      kind,
      to: 'alex.kowalski@example.com',
      customerId: 'cust_7Hq2LmZpX4vN8sRkTb3WcY1d',
      templateKey: 'default',
    });
    expect(message.text).toMatch(/^Hello Alex,\n/);
    expect(paragraphsOf(message.html)).toContain('Hello Alex,');
    expect(message.subject).not.toMatch(/[\r\n]/);
    // The segment's name ("New Customers") is the marketer's label, not copy for the customer.
    for (const part of [message.subject, message.text, message.html]) expect(part).not.toContain('New Customers');
  });

  test('the plain message greets and thanks the customer', () => {
    const message = render(parsedSendOut(readFixture('segment-entered-plain-message.json')));
    expect(message.subject).toBe('Alex, thank you for being with us');
    expect(message.text).toBe(
      'Hello Alex,\n\nThank you for being with us. We are glad to have you.\n\nSee you soon!\nExample Shop\n\n--\nExample Shop Ltd, Example Street 1, 00-001 Example City, Poland\nYou receive this e-mail as a customer of Example Shop Ltd.\nUnsubscribe: https://hooks.shop.example/unsubscribe?token=test\n',
    );
  });

  test('the promotion names the tier, shows its banner and says when it ends', () => {
    const message = render(parsedSendOut(readFixture('segment-entered-promotion.json')));
    expect(message.subject).toBe('Alex, 10% off your first order is waiting for you');
    expect(message.text).toContain('you can now enjoy 10% off your first order.');
    expect(message.text).toContain('\nWelcome! Take 10% off your first order\n');
    expect(message.text).toContain('The offer runs until 30 June 2026.');
    expect(message.html).toContain('>Welcome! Take 10% off your first order</td>');
    expect(message.promotionTierId).toBe('promo_Mn4Bv7Cx2Zl9Kj5Hg1Fd8Sa3');
  });

  test('the unique code carries the code, the discount in words and the expiry date', () => {
    const message = render(parsedSendOut(readFixture('segment-entered-unique-code.json')));
    expect(message.subject).toBe('Your code for 15% off, up to €50.00');
    expect(message.text).toContain('\n    WELCOME-7QX2K9\n');
    expect(message.text).toContain('It gives you 15% off, up to €50.00.');
    expect(message.text).toContain('Use it by 31 December 2026.');
    expect(message.html).toContain('>WELCOME-7QX2K9</td>');
    expect(message.voucherCode).toBe('WELCOME-7QX2K9');
  });

  test('the minimal fixture renders a graceful message with no recipient', () => {
    const message = render(parsedSendOut(readFixture('segment-entered-minimal.json')));
    expect(message).toMatchObject({ kind: 'plain_message', to: undefined, subject: 'Thank you for being with us' });
    expect(message.text).toMatch(/^Hello there,\n/);
  });
});

describe('names and escaping', () => {
  test.each([
    ['Zoë Łukasiewicz-Ñúñez', 'Zoë'],
    ['王小明', '王小明'],
    ['Ngọc Ánh Nguyễn', 'Ngọc'],
    ['Ἀλέξανδρος', 'Ἀλέξανδρος'],
    ['  Anna   Maria \n Kowalska ', 'Anna'],
    ['👩🏽‍💻 Sam', 'Sam'],
    ["Ngũgĩ wa Thiong'o", 'Ngũgĩ'],
    ['Jean-Luc Picard', 'Jean-Luc'],
  ])('greets %p by the first word of the name, %p, in every part', (name, firstName) => {
    const message = render(sendOut('plain_message', { customer: { name } }));
    expect(message.subject).toBe(`${firstName}, thank you for being with us`);
    expect(message.text).toMatch(new RegExp(`^Hello ${firstName},`, 'u'));
    expect(paragraphsOf(message.html)).toContain(`Hello ${firstName},`);
  });

  test('renders a name typed with combining accents like the precomposed one', () => {
    const decomposed = 'Jose\u0301 Mari\u0301a';
    const message = render(sendOut('plain_message', { customer: { name: decomposed } }));
    expect(message.text).toMatch(/^Hello José,/);
  });

  test.each([null, '', '   ', undefined])('greets a customer whose name is %p with "Hello there"', (name) => {
    const message = render(sendOut('unique_code', { customer: { name } }));
    expect(message.text).toMatch(/^Hello there,\n/);
    expect(paragraphsOf(message.html)).toContain('Hello there,');
  });

  test.each([
    ['a sentence joined by braille blanks', 'Claim\u2800your\u2800prize\u2800at\u2800evil.example'],
    ['an e-mail address', 'support@bank.example'],
    ['a fullwidth domain', 'ｗｗｗ．ｅｖｉｌ．ｃｏｍ'],
    ['a domain reversed by a bidi override', '\u202Emoc.elpmaxe\u202C'],
    ['markup', '<img src=x onerror=alert(1)> "Bob"'],
    ['500 characters', 'A'.repeat(500)],
    ['only invisible characters', '\u200B\u2800\u3164'],
  ])('greets a customer whose name is %s with "Hello there", in every part', (_name, name) => {
    const message = render(sendOut('unique_code', { customer: { name } }));
    expect(message.text).toMatch(/^Hello there,\n/);
    expect(paragraphsOf(message.html)).toContain('Hello there,');
    expect(message.subject).toBe('Your code for 15% off, up to €50.00');
  });

  test('an override showing the whole name gets it cleaned, without zero-width or bidi characters', () => {
    const overrides = { 'full-name': { subject: 'For {{customer.name}}', text: '{{customer.name}}' } };
    const webhook = sendOut('plain_message', { type: 'full-name', customer: { name: 'Zo\u200Dë\u202E  Łuka\u2800siewicz' } });
    const message = renderMessage(webhook, { ...messageContext, overrides });
    expect(message.subject).toBe('For Zoë Łuka siewicz');
    expect(message.text).toBe('Zoë Łuka siewicz');
  });

  test('escapes tier names and banners in the HTML, and only there', () => {
    const message = render(
      sendOut('promotion', { promotionTier: { name: "Buy 1 & get 1 'free'", banner: '<script>alert("x")</script>' } }),
    );
    expect(message.html).toContain('Buy 1 &amp; get 1 &#39;free&#39;');
    expect(message.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(message.html).not.toMatch(/<script/);
    expect(message.text).toContain('<script>alert("x")</script>');
    expect(message.subject).toBe("Alex, Buy 1 & get 1 'free' is waiting for you");
  });

  test('an override showing the segment name gets it escaped in the HTML, and on one line in the subject', () => {
    const overrides = { 'segment-label': { subject: 'For {{segment.name}}', html: '<p>{{segment.name}}</p>' } };
    const webhook = sendOut('plain_message', { type: 'segment-label', segment: { name: 'Fish & Chips <VIP>\r\nBcc: x' } });
    const message = renderMessage(webhook, { ...messageContext, overrides });
    expect(message.html).toBe('<p>Fish &amp; Chips &lt;VIP&gt; Bcc: x</p>');
    expect(message.subject).toBe('For Fish & Chips <VIP> Bcc: x');
  });

  test('still names the promotion when the tier has no name or banner', () => {
    const message = render(sendOut('promotion', { promotionTier: { name: null, banner: null } }));
    expect(message.subject).toBe('Alex, a new offer is waiting for you');
    expect(message.text).not.toContain('\n\n\n');
  });
});

describe('discounts and expiry in words', () => {
  const voucher = (changes: Partial<Voucher>): Voucher => ({ code: 'CODE-1', ...changes }) as Voucher;

  test.each([
    [
      'a percentage with a cap',
      { type: 'DISCOUNT_VOUCHER', discount: { type: 'PERCENT', percent_off: 15, amount_limit: 5000 } },
      '15% off, up to €50.00',
    ],
    ['a percentage without a cap', { discount: { type: 'PERCENT', percent_off: 12.5 } }, '12.5% off'],
    ['an amount', { discount: { type: 'AMOUNT', amount_off: 1000 } }, '€10.00 off'],
    ['a fixed price', { discount: { type: 'FIXED', fixed_amount: 4999 } }, 'a fixed price of €49.99'],
    ['one free unit', { discount: { type: 'UNIT', unit_off: 1, unit_type: 'prod_1' } }, '1 unit off'],
    ['several free units', { discount: { type: 'UNIT', unit_off: 3 } }, '3 units off'],
    ['a gift card balance', { type: 'GIFT_VOUCHER', gift: { amount: 10000, balance: 2550 } }, 'a gift card worth €25.50'],
    ['a gift card without a balance', { type: 'GIFT_VOUCHER', gift: { amount: 10000 } }, 'a gift card worth €100.00'],
    ['loyalty points', { type: 'LOYALTY_CARD', loyalty_card: { points: 1500, balance: 1200 } }, '1,200 loyalty points'],
    ['a single loyalty point', { loyalty_card: { points: 1 } }, '1 loyalty point'],
  ])('describes %s', (_name, changes, words) => {
    expect(describeDiscount(voucher(changes as Partial<Voucher>), format)).toBe(words);
  });

  test.each([
    ['no discount at all', {}],
    ['an unknown discount type', { discount: { type: 'BOGO', amount_off: 100 } }],
    ['a percentage without its number', { discount: { type: 'PERCENT' } }],
    ['a zero amount', { discount: { type: 'AMOUNT', amount_off: 0 } }],
    ['a gift voucher without a gift', { type: 'GIFT_VOUCHER', discount: { type: 'AMOUNT', amount_off: 100 } }],
  ])('says nothing for %s', (_name, changes) => {
    expect(describeDiscount(voucher(changes as Partial<Voucher>), format)).toBeNull();
  });

  test.each([
    ['an amount', { type: 'DISCOUNT_VOUCHER', discount: { type: 'AMOUNT', amount_off: 1000 } }, '€10.00 off'],
    ['a gift card', { type: 'GIFT_VOUCHER', discount: null, gift: { amount: 5000, balance: 5000 } }, 'a gift card worth €50.00'],
    ['a loyalty card', { type: 'LOYALTY_CARD', discount: null, loyalty_card: { points: 120, balance: 120 } }, '120 loyalty points'],
  ])('a unique code for %s says what it gives in the subject, text and HTML', (_name, changes, words) => {
    const message = render(sendOut('unique_code', { voucher: changes }));
    expect(message.subject).toBe(`Your code for ${words}`);
    expect(message.text).toContain(`It gives you ${words}.`);
    expect(message.html).toContain(`<strong>${words}</strong>`);
  });

  test('a unique code whose discount is unknown still carries the code', () => {
    const message = render(sendOut('unique_code', { voucher: { discount: null } }));
    expect(message.subject).toBe('Your personal code');
    expect(message.text).toContain('    WELCOME-7QX2K9\n');
    expect(message.text).not.toContain('It gives you');
  });

  test('falls back to the campaign expiry, and leaves the sentence out when neither has one', () => {
    const campaignOnly = render(
      sendOut('unique_code', { voucher: { expiration_date: null }, campaign: { expiration_date: '2027-01-15T10:00:00.000Z' } }),
    );
    expect(campaignOnly.text).toContain('Use it by 15 January 2027.');
    const none = render(sendOut('unique_code', { voucher: { expiration_date: null }, campaign: { expiration_date: null } }));
    expect(none.text).not.toContain('Use it by');
    expect(none.html).not.toContain('Use it by');
    const unreadable = render(sendOut('unique_code', { voucher: { expiration_date: 'soon' } }));
    expect(unreadable.text).not.toContain('Use it by');
  });

  test('writes money and dates in the configured locale, currency and time zone', () => {
    const polish = createFormatters({ currency: 'PLN', locale: 'pl-PL', timeZone: 'Pacific/Auckland' });
    const message = renderMessage(sendOut('unique_code', { voucher: { discount: { type: 'AMOUNT', amount_off: 123456 } } }), {
      ...messageContext,
      format: polish,
      overrides: {},
    });
    // Polish puts a no-break space between the amount and the currency sign.
    expect(message.text).toContain('It gives you 1234,56\u00a0zł off.');
    // 2026-12-31T23:59:59Z is already the next day in Auckland.
    expect(message.text).toContain('Use it by 1 stycznia 2027');
  });
});
