/**
 * Pieces every default template shares, composed into them as TypeScript strings so each wording
 * and each style lives in one place.
 *
 * The HTML follows what mail clients render alike: a table layout, inline styles (Gmail drops
 * <style> blocks it does not understand, Outlook ignores most CSS layout), one 600 px column that
 * shrinks to the screen, and explicit text and background colours on every cell so a client that
 * darkens the mail inverts it as a whole. The one <style> block only adds dark colours and narrower
 * margins on phones, for the clients that honour media queries; nothing depends on it.
 */

const FONT = 'font-family:Arial,Helvetica,sans-serif';
const TEXT_COLOUR = '#1f2328';
const MUTED_COLOUR = '#59606a';

/** "Hello Alex" when the first name is known, "Hello there" when it is not. */
export const GREETING =
  '{{#customer.first_name}}Hello {{customer.first_name}}{{/customer.first_name}}{{^customer.first_name}}Hello there{{/customer.first_name}}';

/** A paragraph with the margins set inline, as some clients reset them. */
export const paragraph = (content: string): string => `<p style="margin:0 0 16px 0">${content}</p>`;

/**
 * The code on a line of its own, then what it gives and until when, each when known. A referral
 * code gives its discount to the friends who use it, never to the customer, so it says so. An
 * override may use it on a send-out without a code: then it says nothing.
 */
export const VOUCHER_DETAILS_TEXT = `{{#voucher.code}}

    {{voucher.code}}
{{/voucher.code}}
{{#voucher.discount}}

It gives you {{voucher.discount}}.
{{/voucher.discount}}
{{#voucher.is_referral}}

Share it with your friends{{#voucher.referral_discount}}: they get {{voucher.referral_discount}} when they use it{{/voucher.referral_discount}}.
{{/voucher.is_referral}}
{{#voucher.expires_on}}

Use it by {{voucher.expires_on}}.
{{/voucher.expires_on}}`;

/** The code in a box of the accent colour, in a monospace face so 0 and O differ; long codes wrap rather than widen the mail. */
export const VOUCHER_DETAILS_HTML = `{{#voucher.code}}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px 0">
<tr><td align="center" class="code" style="padding:16px;border:2px dashed {{sender.accent_color}};border-radius:6px;background-color:#f5f7fa;color:${TEXT_COLOUR};font-family:'Courier New',Courier,monospace;font-size:24px;font-weight:bold;letter-spacing:2px;word-break:break-all">{{voucher.code}}</td></tr>
</table>
{{/voucher.code}}
{{#voucher.discount}}
${paragraph('It gives you <strong>{{voucher.discount}}</strong>.')}
{{/voucher.discount}}
{{#voucher.is_referral}}
${paragraph('Share it with your friends{{#voucher.referral_discount}}: they get <strong>{{voucher.referral_discount}}</strong> when they use it{{/voucher.referral_discount}}.')}
{{/voucher.is_referral}}
{{#voucher.expires_on}}
${paragraph('Use it by {{voucher.expires_on}}.')}
{{/voucher.expires_on}}`;

/** The sign-off and footer of the plain-text part: who sent it, from where, and how to stop it. */
export const TEXT_FOOTER = `
See you soon!
{{sender.name}}

--
{{sender.company_name}}, {{sender.postal_address}}
You receive this e-mail as a customer of {{sender.company_name}}.
Unsubscribe: {{unsubscribe_url}}
`;

const HEADER_HTML = `{{#sender.logo_url}}<img src="{{sender.logo_url}}" alt="{{sender.company_name}}" height="40" style="display:block;height:40px;width:auto;max-width:100%;border:0">{{/sender.logo_url}}{{^sender.logo_url}}<span class="brand" style="${FONT};font-size:20px;font-weight:bold;color:{{sender.accent_color}}">{{sender.company_name}}</span>{{/sender.logo_url}}`;

// The address on a line of its own, so a phone wraps it whole rather than leaving its last word alone.
const FOOTER_HTML = `{{sender.company_name}}<br>
{{sender.postal_address}}<br>
You receive this e-mail as a customer of {{sender.company_name}}.<br>
<a href="{{unsubscribe_url}}" style="color:${MUTED_COLOUR};text-decoration:underline">Unsubscribe</a>`;

// Phones get narrower margins. On a dark page the company name, in an accent colour chosen for a light one, turns light to stay readable.
const MEDIA_QUERY_STYLE = `<style>
@media (max-width: 480px) {
  .frame { padding:16px 8px !important; }
  .card { padding:24px 20px !important; }
  .code { font-size:20px !important; letter-spacing:1px !important; }
}
@media (prefers-color-scheme: dark) {
  .page { background-color:#111418 !important; }
  .brand { color:#e6e8eb !important; }
  .card { background-color:#1c2127 !important; color:#e6e8eb !important; }
  .code, .banner { background-color:#262c33 !important; color:#e6e8eb !important; }
  .footer, .footer a { color:#a7afb8 !important; }
}
</style>`;

export interface HtmlDocument {
  /** The document's title, shown by some clients and browsers. */
  readonly title: string;
  /** The hidden first line clients show after the subject in the inbox. */
  readonly preheader: string;
  /** The card's content: paragraphs made with `paragraph`, boxes and tables. */
  readonly body: string;
}

/** A whole HTML mail: the sender's logo or name, the card with the content and sign-off, and the footer. */
export const htmlDocument = ({ title, preheader, body }: HtmlDocument): string => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${title}</title>
${MEDIA_QUERY_STYLE}
</head>
<body class="page" style="margin:0;padding:0;background-color:#f1f3f5">
<div style="display:none;max-height:0;overflow:hidden">${preheader}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" class="page" style="background-color:#f1f3f5">
<tr><td align="center" class="frame" style="padding:24px 12px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px">
<tr><td style="padding:0 4px 16px 4px">${HEADER_HTML}</td></tr>
<tr><td class="card" style="padding:32px 28px;background-color:#ffffff;border-top:4px solid {{sender.accent_color}};border-radius:8px;${FONT};font-size:16px;line-height:1.5;color:${TEXT_COLOUR};overflow-wrap:anywhere">
${body}
<p style="margin:24px 0 0 0">See you soon!<br>{{sender.name}}</p>
</td></tr>
<tr><td align="center" class="footer" style="padding:20px 12px;${FONT};font-size:12px;line-height:1.6;color:${MUTED_COLOUR}">
${FOOTER_HTML}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
