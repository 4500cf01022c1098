import { GREETING, htmlDocument, paragraph, TEXT_FOOTER } from './fragments.ts';
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
${TEXT_FOOTER}`,
  html: htmlDocument({
    title: TIER_NAME,
    preheader: `Good news: you can now enjoy ${TIER_NAME}.`,
    body: `${paragraph(`${GREETING},`)}
${paragraph(`Good news: you can now enjoy <strong>${TIER_NAME}</strong>.`)}
{{#promotion.banner}}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px 0">
<tr><td class="banner" style="padding:16px;border-left:4px solid {{sender.accent_color}};border-radius:6px;background-color:#f5f7fa;color:#1f2328;font-size:20px;font-weight:bold">{{promotion.banner}}</td></tr>
</table>
{{/promotion.banner}}
{{#promotion.ends_on}}
${paragraph('The offer runs until {{promotion.ends_on}}.')}
{{/promotion.ends_on}}`,
  }),
};
