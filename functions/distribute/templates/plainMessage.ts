import { GREETING, htmlDocument, paragraph, TEXT_FOOTER } from './fragments.ts';
import type { MessageTemplate } from './messageTemplate.ts';

const THANKS = 'Thank you for being with us. We are glad to have you.';

/**
 * "Send plain message to customers": greets the customer and thanks them. It does not name the
 * segment: segment names are the marketer's internal labels ("Churn risk Q4"), so the copy must
 * read well whichever segment sent it.
 */
export const PLAIN_MESSAGE_TEMPLATE: MessageTemplate = {
  subject: `{{#customer.first_name}}{{customer.first_name}}, thank you for being with us{{/customer.first_name}}{{^customer.first_name}}Thank you for being with us{{/customer.first_name}}`,
  text: `${GREETING},

${THANKS}
${TEXT_FOOTER}`,
  html: htmlDocument({
    title: 'Thank you for being with us',
    preheader: THANKS,
    body: `${paragraph(`${GREETING},`)}
${paragraph(THANKS)}`,
  }),
};
