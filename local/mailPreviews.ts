/**
 * Every mail the templates can produce, rendered from the shared fixtures: each default template
 * and each override, for each kind of send-out and each discount shape, plus the index page that
 * lists them (`npm run preview`). Pure but for reading the fixtures; screenshots are
 * local/mailScreenshots.ts's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DistributionMessage } from '../functions/distribute/distributionMessage.ts';
import type { MessageContext } from '../functions/distribute/messageView.ts';
import { renderMessage } from '../functions/distribute/renderMessage.ts';
import { escapeHtml } from '../functions/distribute/renderTemplate.ts';
import type { TemplateOverride } from '../functions/distribute/templates/messageTemplate.ts';
import { TEMPLATE_OVERRIDES } from '../functions/distribute/templates/overrides.ts';
import { parseWebhook, type SegmentEnteredWebhook } from '../functions/shared/webhookContract.ts';

const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../test/fixtures');

/** Where the previews' unsubscribe links point: a placeholder, as a real link names one customer and needs the stack's key. */
export const PREVIEW_UNSUBSCRIBE_URL = 'https://hooks.example.com/unsubscribe?token=preview';

/** A send-out to render every template with. */
export interface PreviewSample {
  /** Part of the file names: `unique-code-percent`. */
  readonly slug: string;
  /** For the index: `unique code, discount fixture percent.json`. */
  readonly title: string;
  readonly webhook: SegmentEnteredWebhook;
}

/** One kind's fixture each, then the unique-code send-out with each discount shape of test/fixtures/discounts. */
export function previewSamples(): PreviewSample[] {
  const kinds = [
    { slug: 'plain-message', title: 'plain message', file: 'voucherify/segment-entered-plain-message.json' },
    { slug: 'promotion', title: 'promotion', file: 'voucherify/segment-entered-promotion.json' },
    { slug: 'unique-code', title: 'unique code', file: 'voucherify/segment-entered-unique-code.json' },
  ];
  const discounts = readdirSync(join(FIXTURES_DIR, 'discounts'))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ slug: `unique-code-${basename(name, '.json')}`, title: `unique code, discount ${name}`, file: `discounts/${name}` }));
  return [...kinds, ...discounts].map(({ slug, title, file }) => ({ slug, title, webhook: readSendOut(file) }));
}

function readSendOut(file: string): SegmentEnteredWebhook {
  const parsed = parseWebhook(JSON.parse(readFileSync(join(FIXTURES_DIR, file), 'utf8')));
  if (parsed.outcome !== 'segment_entered')
    throw new Error(`test/fixtures/${file} is not a send-out the worker delivers: ${parsed.outcome}`);
  return parsed.webhook;
}

export interface MailPreview {
  /** As the worker logs it: `default` or `override:<key>`. */
  readonly templateKey: string;
  readonly sample: PreviewSample;
  /** The HTML part's file, in the preview directory. */
  readonly fileName: string;
  readonly message: DistributionMessage;
}

/** Lower-case letters, digits and dashes: safe in a file name and a URL whatever an override key holds. */
const slugOf = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * Every template × every sample. An override is rendered by giving the send-out its key as event
 * name, which selectTemplate matches whether the key is an event name or a distribution id.
 */
export function renderMailPreviews(
  context: MessageContext,
  samples: readonly PreviewSample[] = previewSamples(),
  overrides: Readonly<Record<string, TemplateOverride>> = TEMPLATE_OVERRIDES,
): MailPreview[] {
  const templates: { key: string; overrides: Readonly<Record<string, TemplateOverride>>; eventName?: string }[] = [
    { key: 'default', overrides: {} },
    ...Object.entries(overrides).map(([key, override]) => ({ key: `override:${key}`, overrides: { [key]: override }, eventName: key })),
  ];
  const previews: MailPreview[] = [];
  const fileNames = new Set<string>();
  for (const template of templates) {
    for (const sample of samples) {
      const webhook = template.eventName === undefined ? sample.webhook : { ...sample.webhook, type: template.eventName };
      const message = renderMessage(webhook, { ...context, overrides: template.overrides });
      const fileName = `${slugOf(template.key)}--${sample.slug}.html`;
      // Two override keys differing only in punctuation would overwrite each other's files.
      if (fileNames.has(fileName)) throw new Error(`Two previews would share the file ${fileName}: rename one of the overrides`);
      fileNames.add(fileName);
      previews.push({ templateKey: message.templateKey, sample, fileName, message });
    }
  }
  return previews;
}

/** How a mail is photographed: the width of a desktop client's reading pane and a phone's, and a dark one. */
export interface ScreenshotView {
  readonly suffix: string;
  readonly label: string;
  readonly width: number;
  readonly colorScheme: 'light' | 'dark';
}

export const SCREENSHOT_VIEWS: readonly ScreenshotView[] = [
  { suffix: '600', label: '600 px', width: 600, colorScheme: 'light' },
  { suffix: '375', label: '375 px', width: 375, colorScheme: 'light' },
  { suffix: '600-dark', label: '600 px, dark', width: 600, colorScheme: 'dark' },
];

export const screenshotFileName = (preview: MailPreview, view: ScreenshotView): string =>
  preview.fileName.replace(/\.html$/, `.${view.suffix}.png`);

/** The screenshots README.md shows, committed under docs/images: the three default mails, and one on a phone. */
export const README_IMAGES: readonly { readonly sample: string; readonly view: string; readonly path: string }[] = [
  { sample: 'plain-message', view: '600', path: 'docs/images/mail-plain-message-600.png' },
  { sample: 'promotion', view: '600', path: 'docs/images/mail-promotion-600.png' },
  { sample: 'unique-code', view: '600', path: 'docs/images/mail-unique-code-600.png' },
  { sample: 'unique-code', view: '375', path: 'docs/images/mail-unique-code-375.png' },
];

/** The index page: per mail its template, sample, subject, text part and links to its HTML (and screenshots); every value escaped. */
export function previewIndexHtml(previews: readonly MailPreview[], options: { withScreenshots: boolean }): string {
  const link = (fileName: string, label: string) => `<a href="${escapeHtml(encodeURIComponent(fileName))}">${escapeHtml(label)}</a>`;
  const entries = previews.map((preview) => {
    const screenshots = options.withScreenshots
      ? `\n<p>Screenshots: ${SCREENSHOT_VIEWS.map((view) => link(screenshotFileName(preview, view), view.label)).join(' · ')}</p>`
      : '';
    return `<section>
<h2>${escapeHtml(preview.message.subject)}</h2>
<p>Template <code>${escapeHtml(preview.templateKey)}</code>, ${escapeHtml(preview.sample.title)} · ${link(preview.fileName, 'HTML part')}</p>${screenshots}
<pre>${escapeHtml(preview.message.text)}</pre>
</section>`;
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mail previews</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
section { border-top: 1px solid #ccc; padding-top: .5rem; }
h2 { font-size: 1.1rem; }
pre { white-space: pre-wrap; background: #f4f4f4; padding: .75rem; }
</style>
</head>
<body>
<h1>Mail previews</h1>
<p>${previews.length} mails: every template for every kind of send-out and every discount shape, rendered from test/fixtures.</p>
${entries.join('\n')}
</body>
</html>
`;
}
