import Mustache from 'mustache';

export type PageState = 'confirm' | 'unsubscribed' | 'invalid';

export interface PageBranding {
  readonly companyName: string;
  readonly accentColor: string;
}

const TITLES: Readonly<Record<PageState, string>> = {
  confirm: 'Unsubscribe',
  unsubscribed: 'You are unsubscribed',
  invalid: 'This link is not valid',
};

// One small page, styled inline so it needs nothing else; {{…}} values are HTML-escaped by Mustache.
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{title}} · {{company}}</title>
<style>
  :root { color-scheme: light dark; }
  body { margin: 0; font: 16px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; background: #f4f5f7; color: #1d2330; }
  main { max-width: 28rem; margin: 12vh auto; padding: 2rem; background: #fff; border-radius: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  h1 { font-size: 1.4rem; margin: 0 0 .75rem; }
  p { margin: 0 0 1.25rem; }
  button { font: inherit; font-weight: 600; color: #fff; background: {{accent}}; border: 0; border-radius: 8px; padding: .75rem 1.25rem; cursor: pointer; width: 100%; }
  button:focus-visible { outline: 3px solid #1d2330; outline-offset: 2px; }
  small { color: #5b6475; }
  @media (prefers-color-scheme: dark) {
    body { background: #15181e; color: #e8eaef; }
    main { background: #1f232b; box-shadow: none; }
    small { color: #a3abba; }
  }
</style>
</head>
<body>
<main>
  <h1>{{title}}</h1>
{{#confirm}}
  <p>Stop receiving e-mails from {{company}} sent when you join one of its customer groups?</p>
  <form method="post">
    <input type="hidden" name="List-Unsubscribe" value="One-Click">
    <button type="submit">Unsubscribe</button>
  </form>
{{/confirm}}
{{#unsubscribed}}
  <p>You will not receive these e-mails from {{company}} again.</p>
  <small>You can close this page.</small>
{{/unsubscribed}}
{{#invalid}}
  <p>The link is incomplete or has been changed. Use the unsubscribe link in the e-mail as it is.</p>
{{/invalid}}
</main>
</body>
</html>
`;

/** The unsubscribe page: asking to confirm (GET), confirming it is done (POST), or refusing a bad link. */
export function unsubscribePage(state: PageState, branding: PageBranding): string {
  return Mustache.render(PAGE, {
    title: TITLES[state],
    company: branding.companyName,
    accent: branding.accentColor,
    confirm: state === 'confirm',
    unsubscribed: state === 'unsubscribed',
    invalid: state === 'invalid',
  });
}
