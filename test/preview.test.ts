/**
 * `npm run preview`'s pure parts: which mails it renders and the index page listing them. The
 * screenshots need Chromium and are not tested here (npm run test:browser drives Chromium).
 */
import { readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEMPLATE_OVERRIDES } from '../functions/distribute/templates/overrides.ts';
import { DISTRIBUTION_KINDS } from '../functions/shared/webhookContract.ts';
import {
  type MailPreview,
  previewIndexHtml,
  previewSamples,
  README_IMAGES,
  renderMailPreviews,
  SCREENSHOT_VIEWS,
  screenshotFileName,
} from '../local/mailPreviews.ts';
import { messageContext } from './support/segmentEnteredWebhooks.ts';

const DISCOUNT_FIXTURES = readdirSync(resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/discounts'));
const previews = renderMailPreviews(messageContext);

describe('the mails the preview renders', () => {
  test('one per template (the default and each override) × kind × discount shape, each in a file of its own', () => {
    const templateKeys = ['default', ...Object.keys(TEMPLATE_OVERRIDES).map((key) => `override:${key}`)];
    const sampleCount = DISTRIBUTION_KINDS.length + DISCOUNT_FIXTURES.length;
    expect(previews).toHaveLength(templateKeys.length * sampleCount);
    expect(new Set(previews.map((preview) => preview.fileName)).size).toBe(previews.length);
    for (const templateKey of templateKeys) {
      const ofTemplate = previews.filter((preview) => preview.templateKey === templateKey);
      expect(ofTemplate).toHaveLength(sampleCount);
      expect(new Set(ofTemplate.map((preview) => preview.message.kind))).toEqual(new Set(DISTRIBUTION_KINDS));
      expect(ofTemplate.map((preview) => preview.sample.title)).toEqual(
        expect.arrayContaining(DISCOUNT_FIXTURES.map((name) => expect.stringContaining(name))),
      );
    }
  });

  test('renders an override keyed by a distribution id as well as one keyed by an event name', () => {
    const [sample] = previewSamples();
    const rendered = renderMailPreviews(messageContext, [sample!], {
      distr_Example1: { subject: 'By id' },
      'some-event': { subject: 'By name' },
    });
    expect(rendered.map(({ templateKey, message, fileName }) => [templateKey, message.subject, fileName])).toEqual([
      ['default', expect.any(String), 'default--plain-message.html'],
      ['override:distr_Example1', 'By id', 'override-distr-example1--plain-message.html'],
      ['override:some-event', 'By name', 'override-some-event--plain-message.html'],
    ]);
  });

  test('refuses two overrides whose previews would share a file', () => {
    const [sample] = previewSamples();
    expect(() => renderMailPreviews(messageContext, [sample!], { 'a b': {}, 'a-b': {} })).toThrow(/share the file/);
  });

  test('show no empty code box and no blank code line, whatever the template is used on', () => {
    for (const { fileName, message } of previews) {
      expect({ fileName, html: message.html }).not.toEqual({ fileName, html: expect.stringMatching(/class="code"[^>]*><\/td>/) });
      expect({ fileName, text: message.text }).not.toEqual({ fileName, text: expect.stringMatching(/\n[ \t]+\n/) });
    }
  });

  test('README_IMAGES names default mails and views that exist', () => {
    for (const image of README_IMAGES) {
      expect(previews.some((preview) => preview.templateKey === 'default' && preview.sample.slug === image.sample)).toBe(true);
      expect(SCREENSHOT_VIEWS.map((view) => view.suffix)).toContain(image.view);
    }
  });
});

describe('the index page', () => {
  const hostile: MailPreview = {
    ...previews[0]!,
    templateKey: 'override:<b>x</b>',
    fileName: 'a "quoted" & spaced.html',
    message: { ...previews[0]!.message, subject: 'Tom & "Jerry" <script>alert(1)</script>', text: 'Hi <img src=x onerror=alert(1)>' },
  };

  test('escapes the subject, text part, template key and file name', () => {
    const html = previewIndexHtml([hostile], { withScreenshots: true });
    expect(html).toContain('<h2>Tom &amp; &quot;Jerry&quot; &lt;script&gt;alert(1)&lt;/script&gt;</h2>');
    expect(html).toContain('<pre>Hi &lt;img src=x onerror=alert(1)&gt;</pre>');
    expect(html).toContain('<code>override:&lt;b&gt;x&lt;/b&gt;</code>');
    expect(html).toContain('href="a%20%22quoted%22%20%26%20spaced.html"');
    expect(html).not.toMatch(/<script|<img|<b>/);
  });

  test('lists every mail with its subject, text part and HTML file, and its screenshots when taken', () => {
    const html = previewIndexHtml(previews, { withScreenshots: false });
    for (const preview of previews) expect(html).toContain(`href="${encodeURIComponent(preview.fileName)}"`);
    expect(html.match(/<pre>/g)).toHaveLength(previews.length);
    expect(html).not.toContain('.png');
    const withScreenshots = previewIndexHtml(previews, { withScreenshots: true });
    for (const view of SCREENSHOT_VIEWS) expect(withScreenshots).toContain(`href="${screenshotFileName(previews[0]!, view)}"`);
  });
});
