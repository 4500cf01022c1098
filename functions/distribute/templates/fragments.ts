/**
 * Pieces of copy every default template shares, composed into them as TypeScript strings so each
 * wording lives in one place.
 */

/** "Hello Alex" when the first name is known, "Hello there" when it is not. */
export const GREETING =
  '{{#customer.first_name}}Hello {{customer.first_name}}{{/customer.first_name}}{{^customer.first_name}}Hello there{{/customer.first_name}}';

/**
 * The code on a line of its own, then what it gives and until when, each when known. A referral
 * code gives its discount to the friends who use it, never to the customer, so it says so.
 */
export const VOUCHER_DETAILS_TEXT = `
    {{voucher.code}}
{{#voucher.discount}}

It gives you {{voucher.discount}}.
{{/voucher.discount}}
{{#voucher.is_referral}}

Share it with your friends{{#voucher.referral_discount}}: they get {{voucher.referral_discount}} when they use it{{/voucher.referral_discount}}.
{{/voucher.is_referral}}
{{#voucher.expires_on}}

Use it by {{voucher.expires_on}}.
{{/voucher.expires_on}}`;

export const VOUCHER_DETAILS_HTML = `<p style="font-size:24px;font-weight:bold;letter-spacing:2px;text-align:center;padding:16px;border:2px dashed #999;border-radius:6px">{{voucher.code}}</p>
{{#voucher.discount}}
<p>It gives you <strong>{{voucher.discount}}</strong>.</p>
{{/voucher.discount}}
{{#voucher.is_referral}}
<p>Share it with your friends{{#voucher.referral_discount}}: they get <strong>{{voucher.referral_discount}}</strong> when they use it{{/voucher.referral_discount}}.</p>
{{/voucher.is_referral}}
{{#voucher.expires_on}}
<p>Use it by {{voucher.expires_on}}.</p>
{{/voucher.expires_on}}`;

export const TEXT_SIGN_OFF = `
See you soon!
`;

/**
 * A minimal e-mail HTML document: inline styles only (mail clients drop <style> blocks), a
 * language-neutral UTF-8 page, one centred column.
 */
export const htmlDocument = (title: string, body: string): string => `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
</head>
<body style="margin:0;padding:24px;background:#f6f6f6;font-family:Arial,Helvetica,sans-serif;color:#222;line-height:1.5">
<div style="max-width:560px;margin:0 auto;background:#fff;padding:24px;border-radius:8px">
${body}
<p>See you soon!</p>
</div>
</body>
</html>
`;
