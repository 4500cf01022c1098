import { expect, test } from '@jest/globals';
import { buildStack, HTTP_CONTEXT, SES_CONTEXT, withoutAssetHashes } from './support/webhookStack.ts';

// A reviewable record of the whole template. Asset hashes are replaced, so the snapshot changes
// when the infrastructure does and not when a line of function code does; update it with
// `npm run jest -- test/stack.snapshot -u` after reviewing the diff.

test('the SES stack’s template matches the reviewed snapshot', () => {
  expect(withoutAssetHashes(buildStack({ ...SES_CONTEXT, alarmEmail: 'oncall@shop.example' }).template.toJSON())).toMatchSnapshot();
});

test('the http stack’s template matches the reviewed snapshot', () => {
  expect(withoutAssetHashes(buildStack(HTTP_CONTEXT).template.toJSON())).toMatchSnapshot();
});

test('every asset hash is normalised away, so a change to function code never changes the snapshot', () => {
  const template = JSON.stringify(buildStack().template.toJSON());
  const hashes = template.match(/[0-9a-f]{64}/g) ?? [];
  expect(hashes.length).toBeGreaterThan(0);
  expect(JSON.stringify(withoutAssetHashes(JSON.parse(template)))).not.toMatch(/[0-9a-f]{64}/);
});
