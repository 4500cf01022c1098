import type { DistributionKind } from '../../shared/webhookContract.ts';
import type { MessageTemplate, TemplateOverride } from './messageTemplate.ts';
import { TEMPLATE_OVERRIDES } from './overrides.ts';
import { PLAIN_MESSAGE_TEMPLATE } from './plainMessage.ts';
import { PROMOTION_TEMPLATE } from './promotion.ts';
import { UNIQUE_CODE_TEMPLATE } from './uniqueCode.ts';

/** The default template of each distribution kind. */
export const DEFAULT_TEMPLATES: Readonly<Record<DistributionKind, MessageTemplate>> = {
  plain_message: PLAIN_MESSAGE_TEMPLATE,
  promotion: PROMOTION_TEMPLATE,
  unique_code: UNIQUE_CODE_TEMPLATE,
};

export interface SelectedTemplate {
  /** Which template was chosen, for logs: `default` or `override:<key>`. */
  readonly key: string;
  readonly template: MessageTemplate;
}

export interface TemplateSelector {
  /** The envelope's `source.id` when the sender is a distribution. */
  readonly distributionId: string | undefined;
  /** The envelope's `type`: the "Event name" the marketer typed. */
  readonly eventName: string;
}

/** The template for a send-out: its distribution's override, else its event name's, else the kind's default. */
export function selectTemplate(
  kind: DistributionKind,
  selector: TemplateSelector,
  overrides: Readonly<Record<string, TemplateOverride>> = TEMPLATE_OVERRIDES,
): SelectedTemplate {
  const defaults = DEFAULT_TEMPLATES[kind];
  for (const key of [selector.distributionId, selector.eventName]) {
    // Own keys only, so an event name such as "constructor" cannot pick up Object.prototype.
    if (key === undefined || !Object.hasOwn(overrides, key)) continue;
    const override = overrides[key];
    return {
      key: `override:${key}`,
      template: {
        subject: override?.subject ?? defaults.subject,
        text: override?.text ?? defaults.text,
        html: override?.html ?? defaults.html,
      },
    };
  }
  return { key: 'default', template: defaults };
}
