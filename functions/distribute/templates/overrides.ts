import { GREETING, htmlDocument, paragraph, TEXT_FOOTER, VOUCHER_DETAILS_HTML, VOUCHER_DETAILS_TEXT } from './fragments.ts';
import type { TemplateOverride } from './messageTemplate.ts';

/**
 * Copy for particular distributions, keyed by the distribution id (`distr_…`, the envelope's
 * `source.id`) or by the "Event name" the marketer typed in Voucherify (the envelope's `type`).
 * A distribution id wins over an event name; parts an override leaves out (subject, text, html)
 * come from the default template of the send-out's kind. Every entry is checked by
 * test/distribute.templates.test.ts against every kind, so a typo fails the build, not a send-out.
 * Keep TEXT_FOOTER and htmlDocument (or their unsubscribe link and postal address): the template
 * test fails a template without them.
 * Warning: {{segment.name}} is the marketer's internal label ("Churn risk Q4"); show it only if customers may read it.
 */
export const TEMPLATE_OVERRIDES: Readonly<Record<string, TemplateOverride>> = {
  // Example: a birthday distribution (event name "birthday-treat") sending unique codes.
  'birthday-treat': {
    subject: 'Happy birthday{{#customer.first_name}}, {{customer.first_name}}{{/customer.first_name}}! A treat inside',
    text: `${GREETING},

Happy birthday from all of us! Here is a little treat:
${VOUCHER_DETAILS_TEXT}
${TEXT_FOOTER}`,
    html: htmlDocument({
      title: 'Happy birthday!',
      preheader: 'Happy birthday from all of us! A little treat inside.',
      body: `${paragraph(`${GREETING},`)}
${paragraph('Happy birthday from all of us! Here is a little treat:')}
${VOUCHER_DETAILS_HTML}`,
    }),
  },
};
