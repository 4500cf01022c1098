import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_DIR, SHARED_FIXTURES_DIR } from './support/fixtures.ts';

const sharedAvailable = existsSync(SHARED_FIXTURES_DIR);

describe('the repository copy of the Voucherify fixtures', () => {
  test('holds every fixture the README describes', () => {
    const names = readdirSync(FIXTURES_DIR);
    expect(names).toEqual(expect.arrayContaining(['README.md', 'signatures.json', 'segment-entered-unique-code.json']));
  });

  // On a team machine the shared original sits next to the repository; a bare clone has only the copy.
  (sharedAvailable ? test : test.skip)('is byte for byte the shared original', () => {
    const shared = readdirSync(SHARED_FIXTURES_DIR).sort();
    expect(readdirSync(FIXTURES_DIR).sort()).toEqual(shared);
    for (const name of shared) {
      expect({ name, same: readFileSync(join(FIXTURES_DIR, name)).equals(readFileSync(join(SHARED_FIXTURES_DIR, name))) }).toEqual({
        name,
        same: true,
      });
    }
  });
});
