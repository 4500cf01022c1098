/**
 * A message template: three logic-less templates rendered against a MessageView (see
 * ../messageView.ts for the placeholders and ../renderTemplate.ts for the syntax). The subject and
 * text are rendered verbatim, the HTML with every value escaped.
 */
export interface MessageTemplate {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** An override replaces any of the three parts; the parts it leaves out come from the kind's default. */
export type TemplateOverride = Partial<MessageTemplate>;
