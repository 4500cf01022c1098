import { recipientOf } from '../shared/emailAddress.ts';
import { classifyDistribution, distributionIdOf, type SegmentEnteredWebhook } from '../shared/webhookContract.ts';
import type { DistributionMessage } from './distributionMessage.ts';
import { buildMessageView, type MessageContext } from './messageView.ts';
import { renderTemplate } from './renderTemplate.ts';
import type { TemplateOverride } from './templates/messageTemplate.ts';
import { selectTemplate } from './templates/registry.ts';

export interface RenderMessageOptions extends MessageContext {
  /** Replaces the repository's overrides (tests). */
  readonly overrides?: Readonly<Record<string, TemplateOverride>>;
}

/**
 * The message for one send-out: classifies the distribution, prepares the view, chooses the
 * template and renders subject, text and HTML. Throws TemplateError when the template is broken.
 */
export function renderMessage(webhook: SegmentEnteredWebhook, options: RenderMessageOptions): DistributionMessage {
  const kind = classifyDistribution(webhook.data);
  const distributionId = distributionIdOf(webhook);
  const view = buildMessageView(webhook, kind, options);
  const { key, template } = selectTemplate(kind, { distributionId, eventName: webhook.type }, options.overrides);
  const { customer, segment, voucher, promotion_tier: tier } = webhook.data;
  const recipient = recipientOf(customer.email);
  return {
    envelopeId: webhook.id,
    eventId: webhook.event.id,
    kind,
    distributionId,
    customerId: customer.id,
    customerSourceId: customer.source_id ?? undefined,
    segmentId: segment.id,
    to: recipient.status === 'valid' ? recipient.address : undefined,
    // A subject is one header line: line breaks from a template or a name must not reach it.
    subject: renderTemplate(template.subject, view, 'text').replace(/\s+/g, ' ').trim(),
    text: renderTemplate(template.text, view, 'text'),
    html: renderTemplate(template.html, view, 'html'),
    unsubscribeUrl: options.unsubscribeUrl,
    sender: options.sender,
    templateKey: key,
    voucherCode: kind === 'unique_code' ? (voucher?.code ?? undefined) : undefined,
    promotionTierId: kind === 'promotion' ? (tier?.id ?? undefined) : undefined,
  };
}
