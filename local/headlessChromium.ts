/**
 * The system's Chromium, driven headless by playwright-core for the mail screenshots and the
 * browser test. Playwright's own browser download needs a host this project cannot reach, so the
 * Debian package is used: CHROMIUM_PATH, else /usr/bin/chromium.
 */
import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { type Environment, readSetting, textSetting } from '../functions/shared/settings.ts';

export const CHROMIUM_PATH = textSetting({ variable: 'CHROMIUM_PATH', defaultValue: '/usr/bin/chromium' });

export class ChromiumMissingError extends Error {
  override readonly name = 'ChromiumMissingError';
}

export async function launchChromium(env: Environment = process.env): Promise<Browser> {
  const executablePath = readSetting(env, CHROMIUM_PATH);
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    throw new ChromiumMissingError(
      `No Chromium at ${executablePath}. Install it with \`apt-get install -y chromium\` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary.`,
    );
  }
  // As root Chromium refuses to start sandboxed; headless needs no GPU.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
}
