/**
 * The template check: every template in the repository, defaults and overrides, must parse and
 * render against the view of every kind of send-out, with every optional part present and absent.
 * A typo in a placeholder or an unbalanced section fails here, not on a customer's send-out.
 */
import { TemplateError } from '../functions/distribute/errors.ts';
import { buildMessageView, type MessageView } from '../functions/distribute/messageView.ts';
import { renderMessage } from '../functions/distribute/renderMessage.ts';
import { parseTemplate, renderTemplate } from '../functions/distribute/renderTemplate.ts';
import type { MessageTemplate } from '../functions/distribute/templates/messageTemplate.ts';
import { TEMPLATE_OVERRIDES } from '../functions/distribute/templates/overrides.ts';
import { DEFAULT_TEMPLATES, selectTemplate } from '../functions/distribute/templates/registry.ts';
import { DISTRIBUTION_KINDS, type DistributionKind } from '../functions/shared/webhookContract.ts';
import { readFixture } from './support/fixtures.ts';
import { messageContext, parsedSendOut, sendOut, TEST_SENDER, TEST_UNSUBSCRIBE_URL } from './support/segmentEnteredWebhooks.ts';

/** Views of a kind with everything present, and with every optional part missing. */
function viewsOf(kind: DistributionKind): [string, MessageView][] {
  const bare = sendOut(kind, {
    customer: { name: null, email: null },
    segment: { name: null },
    campaign: { name: null, expiration_date: null },
    voucher: { discount: null, gift: null, loyalty_card: null, expiration_date: null, campaign: null },
    promotionTier: { name: null, banner: null },
  });
  const referral = sendOut(kind, { voucher: { is_referral_code: true } });
  const bareReferral = sendOut(kind, { voucher: { is_referral_code: true, discount: null } });
  return [
    [`a full ${kind}`, buildMessageView(sendOut(kind), kind, messageContext)],
    [`a bare ${kind}`, buildMessageView(bare, kind, messageContext)],
    [`a ${kind} with a referral code`, buildMessageView(referral, kind, messageContext)],
    [`a ${kind} with a referral code that gives nothing`, buildMessageView(bareReferral, kind, messageContext)],
  ];
}

const ALL_VIEWS = DISTRIBUTION_KINDS.flatMap(viewsOf);
const minimalView = buildMessageView(parsedSendOut(readFixture('segment-entered-minimal.json')), 'plain_message', messageContext);

const REGISTERED: [string, MessageTemplate][] = [
  ...DISTRIBUTION_KINDS.map((kind): [string, MessageTemplate] => [`the default ${kind} template`, DEFAULT_TEMPLATES[kind]]),
  ...Object.keys(TEMPLATE_OVERRIDES).flatMap((key) =>
    DISTRIBUTION_KINDS.map((kind): [string, MessageTemplate] => [
      `the override "${key}" on a ${kind}`,
      selectTemplate(kind, { distributionId: undefined, eventName: key }).template,
    ]),
  ),
];

describe('every registered template', () => {
  test('includes the example override', () => {
    expect(Object.keys(TEMPLATE_OVERRIDES).length).toBeGreaterThan(0);
  });

  test.each(REGISTERED)('%s parses, and renders against every kind of view', (_name, template) => {
    for (const part of ['subject', 'text', 'html'] as const) {
      expect(() => parseTemplate(template[part])).not.toThrow();
      for (const [, view] of [...ALL_VIEWS, ['the minimal fixture', minimalView] as const]) {
        const rendered = renderTemplate(template[part], view, part === 'html' ? 'html' : 'text');
        expect(rendered.trim()).not.toBe('');
        expect(rendered).not.toContain('{{');
      }
    }
  });

  test.each(DISTRIBUTION_KINDS)('the default %s template never renders "null" or "undefined" or a run of blank lines', (kind) => {
    for (const [, view] of viewsOf(kind)) {
      for (const part of ['subject', 'text', 'html'] as const) {
        const rendered = renderTemplate(DEFAULT_TEMPLATES[kind][part], view, part === 'html' ? 'html' : 'text');
        expect(rendered).not.toMatch(/\bnull\b|\bundefined\b|\n\n\n/);
      }
    }
  });
});

describe('the footer', () => {
  // Bulk-sender rules and CAN-SPAM: a visible unsubscribe link and the sender's postal address, in
  // the HTML and in the text part, which must stand alone.
  test.each(REGISTERED)('%s names the company and its postal address and links the unsubscribe page, in both parts', (_name, template) => {
    for (const [, view] of ALL_VIEWS) {
      const html = renderTemplate(template.html, view, 'html');
      const text = renderTemplate(template.text, view, 'text');
      expect(html).toContain(`href="${TEST_UNSUBSCRIBE_URL.replaceAll('&', '&amp;')}"`);
      expect(text).toContain(`Unsubscribe: ${TEST_UNSUBSCRIBE_URL}`);
      for (const part of [html, text]) {
        expect(part).toContain(TEST_SENDER.postalAddress);
        expect(part).toContain(TEST_SENDER.companyName);
      }
    }
  });

  test('shows the logo when one is configured, else the company name in the accent colour', () => {
    const webhook = sendOut('plain_message');
    const withLogo = renderMessage(webhook, {
      ...messageContext,
      sender: { ...TEST_SENDER, logoUrl: 'https://cdn.shop.example/logo.png', accentColor: '#aa3300' },
      overrides: {},
    });
    expect(withLogo.html).toContain('<img src="https://cdn.shop.example/logo.png" alt="Example Shop Ltd"');
    expect(withLogo.html).toContain('border-top:4px solid #aa3300');
    const withoutLogo = renderMessage(webhook, { ...messageContext, overrides: {} });
    expect(withoutLogo.html).not.toContain('<img');
    expect(withoutLogo.html).toContain('color:#1f5fbf">Example Shop Ltd</span>');
  });

  test('signs with the sender name and escapes it in the HTML', () => {
    const message = renderMessage(sendOut('plain_message'), {
      ...messageContext,
      sender: { ...TEST_SENDER, name: 'Tom & Jerry <Shop>' },
      overrides: {},
    });
    expect(message.text).toContain('See you soon!\nTom & Jerry <Shop>\n');
    expect(message.html).toContain('See you soon!<br>Tom &amp; Jerry &lt;Shop&gt;');
  });
});

describe('the default templates', () => {
  // Segment names are the marketer's internal labels ("Churn risk Q4", "Low spenders").
  const LABEL = 'Zq Internal Segment Label';

  test.each(DISTRIBUTION_KINDS)('never show the segment name to the customer of a %s, in any part', (kind) => {
    const segment = { name: LABEL };
    const webhooks = [
      sendOut(kind, { segment }),
      sendOut(kind, { segment, voucher: { is_referral_code: true } }),
      sendOut(kind, {
        segment,
        customer: { name: null },
        campaign: { name: null, expiration_date: null },
        voucher: { discount: null, gift: null, loyalty_card: null, expiration_date: null },
        promotionTier: { name: null, banner: null },
      }),
    ];
    for (const webhook of webhooks) {
      const message = renderMessage(webhook, { ...messageContext, overrides: {} });
      expect(message.templateKey).toBe('default');
      for (const part of [message.subject, message.text, message.html]) expect(part).not.toContain(LABEL);
      // Nor any other kind's default template against this view.
      const view = buildMessageView(webhook, kind, messageContext);
      for (const template of Object.values(DEFAULT_TEMPLATES)) {
        for (const part of ['subject', 'text', 'html'] as const) {
          expect(renderTemplate(template[part], view, part === 'html' ? 'html' : 'text')).not.toContain(LABEL);
        }
      }
    }
  });

  test('leave segment.name to overrides, which can still show it', () => {
    const overrides = { 'segment-label': { subject: '{{segment.name}}' } };
    const message = renderMessage(sendOut('plain_message', { type: 'segment-label', segment: { name: LABEL } }), {
      ...messageContext,
      overrides,
    });
    expect(message.subject).toBe(LABEL);
  });
});

describe('selectTemplate', () => {
  const overrides = {
    distr_special: { subject: 'By distribution' },
    'spring-sale': { subject: 'By event name', text: 'Spring {{segment.name}}' },
  };

  test("uses the kind's default when no override matches", () => {
    expect(selectTemplate('promotion', { distributionId: 'distr_other', eventName: 'other' }, overrides)).toEqual({
      key: 'default',
      template: DEFAULT_TEMPLATES.promotion,
    });
  });

  test('prefers the distribution id to the event name', () => {
    const selected = selectTemplate('plain_message', { distributionId: 'distr_special', eventName: 'spring-sale' }, overrides);
    expect(selected.key).toBe('override:distr_special');
    expect(selected.template.subject).toBe('By distribution');
  });

  test("takes the parts an override leaves out from the kind's default", () => {
    const selected = selectTemplate('unique_code', { distributionId: undefined, eventName: 'spring-sale' }, overrides);
    expect(selected.template).toEqual({
      subject: 'By event name',
      text: 'Spring {{segment.name}}',
      html: DEFAULT_TEMPLATES.unique_code.html,
    });
  });

  test('does not mistake an event name like "constructor" for an override', () => {
    expect(selectTemplate('plain_message', { distributionId: undefined, eventName: 'constructor' }, overrides).key).toBe('default');
  });

  test('the example override is used for its event name', () => {
    const message = renderMessage(sendOut('unique_code', { type: 'birthday-treat' }), { ...messageContext });
    expect(message.templateKey).toBe('override:birthday-treat');
    expect(message.subject).toBe('Happy birthday, Alex! A treat inside');
    expect(message.text).toContain('    WELCOME-7QX2K9\n');
  });

  test('a broken override is a TemplateError when a send-out uses it', () => {
    const broken = { 'welcome-new-customers': { subject: 'Hi {{customer.nickname}}' } };
    expect(() =>
      renderMessage(sendOut('plain_message', { type: 'welcome-new-customers' }), { ...messageContext, overrides: broken }),
    ).toThrow(TemplateError);
  });
});
