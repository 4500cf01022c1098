/**
 * Photographs rendered mails in headless Chromium, full page, at each SCREENSHOT_VIEWS width and
 * colour scheme, as a mail client's HTML view shows them.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { type MailPreview, type ScreenshotView, screenshotFileName } from './mailPreviews.ts';

export interface ScreenshotRequest {
  readonly preview: MailPreview;
  readonly view: ScreenshotView;
  /** Where the PNG goes. */
  readonly path: string;
}

/** Every mail in every view, next to its HTML file in `directory`. */
export const screenshotsBeside = (
  previews: readonly MailPreview[],
  views: readonly ScreenshotView[],
  directory: string,
): ScreenshotRequest[] =>
  previews.flatMap((preview) => views.map((view) => ({ preview, view, path: join(directory, screenshotFileName(preview, view)) })));

/** Takes the screenshots of mails whose HTML files are in `directory`, with one page per view. */
export async function takeScreenshots(browser: Browser, directory: string, requests: readonly ScreenshotRequest[]): Promise<void> {
  const pages = new Map<ScreenshotView, Page>();
  try {
    for (const { preview, view, path } of requests) {
      let page = pages.get(view);
      if (!page) {
        // A short viewport, so the full-page capture is as tall as the mail and no taller.
        const context = await browser.newContext({ viewport: { width: view.width, height: 100 }, colorScheme: view.colorScheme });
        page = await context.newPage();
        pages.set(view, page);
      }
      await page.goto(pathToFileURL(join(directory, preview.fileName)).href);
      await page.screenshot({ path, fullPage: true });
    }
  } finally {
    for (const page of pages.values()) await page.context().close();
  }
}
