import base from './jest.config.js';

/**
 * `npm run test:browser`: the suites that drive headless Chromium (test-browser/). Kept out of
 * `npm test`, whose testMatch covers test/ only, so a machine without Chromium passes npm test.
 */
/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: ['<rootDir>/test-browser/**/*.test.ts'],
  // Chromium's start and the pipeline's delivery rounds need more room than the unit suites.
  testTimeout: 60_000,
};
