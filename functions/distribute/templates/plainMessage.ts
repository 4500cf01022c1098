import { GREETING, htmlDocument, SEGMENT_NAME, TEXT_SIGN_OFF } from './fragments.ts';
import type { MessageTemplate } from './messageTemplate.ts';

/** "Send plain message to customers": greets the customer and names the segment they entered. */
export const PLAIN_MESSAGE_TEMPLATE: MessageTemplate = {
  subject: `{{#customer.first_name}}{{customer.first_name}}, welcome to {{/customer.first_name}}{{^customer.first_name}}Welcome to {{/customer.first_name}}${SEGMENT_NAME}`,
  text: `${GREETING},

You are now part of ${SEGMENT_NAME}, and we are glad to have you with us.
${TEXT_SIGN_OFF}`,
  html: htmlDocument(
    `Welcome to ${SEGMENT_NAME}`,
    `<p>${GREETING},</p>
<p>You are now part of <strong>${SEGMENT_NAME}</strong>, and we are glad to have you with us.</p>`,
  ),
};
