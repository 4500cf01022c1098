import { GREETING, htmlDocument, TEXT_SIGN_OFF } from './fragments.ts';
import type { MessageTemplate } from './messageTemplate.ts';

const TIER_NAME =
  '{{#promotion.tier_name}}{{promotion.tier_name}}{{/promotion.tier_name}}{{^promotion.tier_name}}a new offer{{/promotion.tier_name}}';

/** "Notify customers about promotion": names the promotion tier, shows its banner and when it ends; never the segment. */
export const PROMOTION_TEMPLATE: MessageTemplate = {
  subject: `{{#customer.first_name}}{{customer.first_name}}, {{/customer.first_name}}${TIER_NAME} is waiting for you`,
  text: `${GREETING},

Good news: you can now enjoy ${TIER_NAME}.
{{#promotion.banner}}

{{promotion.banner}}
{{/promotion.banner}}
{{#promotion.ends_on}}

The offer runs until {{promotion.ends_on}}.
{{/promotion.ends_on}}
${TEXT_SIGN_OFF}`,
  html: htmlDocument(
    TIER_NAME,
    `<p>${GREETING},</p>
<p>Good news: you can now enjoy <strong>${TIER_NAME}</strong>.</p>
{{#promotion.banner}}
<p style="font-size:20px;font-weight:bold;padding:16px;background:#fff4d6;border-radius:6px">{{promotion.banner}}</p>
{{/promotion.banner}}
{{#promotion.ends_on}}
<p>The offer runs until {{promotion.ends_on}}.</p>
{{/promotion.ends_on}}`,
  ),
};
