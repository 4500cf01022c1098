/**
 * npm run preview [-- --screenshots] [-- --readme-images] [-- --out DIR]
 *
 * Renders every mail the templates can produce (every default template and override, for every
 * kind and discount shape, from test/fixtures) into DIR (.local/preview), one HTML file each, and
 * an index.html listing each mail's template, subject and text part. The sender is the distribute
 * function's own settings (COMPANY_NAME, POSTAL_ADDRESS, SENDER_NAME, LOGO_URL, ACCENT_COLOR,
 * CURRENCY, LOCALE, TIME_ZONE), their defaults unless set.
 *
 * --screenshots   also PNGs of each mail at 600 and 375 px and in dark mode, with headless Chromium
 *                 (CHROMIUM_PATH, else /usr/bin/chromium)
 * --readme-images only the screenshots committed under docs/images, written there
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFormattingConfig, loadSenderIdentity } from '../functions/distribute/config.ts';
import { createFormatters } from '../functions/distribute/formatters.ts';
import { ChromiumMissingError, launchChromium } from '../local/headlessChromium.ts';
import { PREVIEW_UNSUBSCRIBE_URL, previewIndexHtml, README_IMAGES, renderMailPreviews, SCREENSHOT_VIEWS } from '../local/mailPreviews.ts';
import { type ScreenshotRequest, screenshotsBeside, takeScreenshots } from '../local/mailScreenshots.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '.local/preview' },
    screenshots: { type: 'boolean', default: false },
    'readme-images': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: npm run preview [-- --screenshots] [-- --readme-images] [-- --out DIR]');
  process.exit(0);
}

const directory = resolve(values.out);
const previews = renderMailPreviews({
  format: createFormatters(loadFormattingConfig(process.env)),
  sender: loadSenderIdentity(process.env),
  unsubscribeUrl: PREVIEW_UNSUBSCRIBE_URL,
});
mkdirSync(directory, { recursive: true });
for (const preview of previews) writeFileSync(join(directory, preview.fileName), preview.message.html);

const screenshots: ScreenshotRequest[] = [];
if (values.screenshots) screenshots.push(...screenshotsBeside(previews, SCREENSHOT_VIEWS, directory));
if (values['readme-images']) {
  for (const image of README_IMAGES) {
    const preview = previews.find((candidate) => candidate.templateKey === 'default' && candidate.sample.slug === image.sample);
    const view = SCREENSHOT_VIEWS.find((candidate) => candidate.suffix === image.view);
    if (!preview || !view) throw new Error(`README_IMAGES names a mail or view that does not exist: ${image.sample} at ${image.view}`);
    mkdirSync(dirname(resolve(image.path)), { recursive: true });
    screenshots.push({ preview, view, path: resolve(image.path) });
  }
}
if (screenshots.length > 0) {
  const browser = await launchChromium().catch((error: unknown) => {
    if (!(error instanceof ChromiumMissingError)) throw error;
    console.error(error.message);
    process.exit(1);
  });
  try {
    await takeScreenshots(browser, directory, screenshots);
  } finally {
    await browser.close();
  }
}

writeFileSync(join(directory, 'index.html'), previewIndexHtml(previews, { withScreenshots: values.screenshots }));
console.log(
  `${previews.length} mails${screenshots.length > 0 ? `, ${screenshots.length} screenshots` : ''}: ${join(directory, 'index.html')}`,
);
if (values['readme-images']) console.log(`README images: ${README_IMAGES.map((image) => image.path).join(', ')}`);
