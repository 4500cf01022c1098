/**
 * The Voucherify fixtures and what a correct receiver does with each. They are a verbatim copy of
 * the team's shared fixtures (../shared/voucherify/fixtures), kept in the repository so a clone
 * runs on its own; test/fixtures.test.ts fails if the copy drifts from the shared original.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES_DIR = resolve(here, '../fixtures/voucherify');
/** The shared original, next to the repository on a team machine; absent in a bare clone. */
export const SHARED_FIXTURES_DIR = resolve(here, '../../../shared/voucherify/fixtures');

/** The secret every shared fixture is signed with. */
export const FIXTURE_SECRET = 'test_secret_do_not_use';

export interface FixtureSignatures {
  readonly hmac_raw: string;
  readonly hmac_compact: string | null;
}

export interface OfficialSignatureVector {
  readonly source: string;
  readonly secret: string;
  readonly message: string;
  readonly signature: string;
}

const signatures = JSON.parse(readFileSync(join(FIXTURES_DIR, 'signatures.json'), 'utf8')) as {
  files: Record<string, FixtureSignatures>;
  official_test_vectors: OfficialSignatureVector[];
};

export const officialSignatureVectors = (): readonly OfficialSignatureVector[] => signatures.official_test_vectors;

export const fixtureNames = (): string[] =>
  readdirSync(FIXTURES_DIR)
    .filter((name) => name !== 'signatures.json' && name !== 'README.md')
    .sort();

export const readFixture = (name: string): string => readFileSync(join(FIXTURES_DIR, name), 'utf8');

export function fixtureSignatures(name: string): FixtureSignatures {
  const entry = signatures.files[name];
  if (!entry) throw new Error(`No signatures for fixture ${name}`);
  return entry;
}

/** What a correct receiver answers to each fixture (fixtures/README.md). */
export const EXPECTED_INGEST_STATUS: Readonly<Record<string, number>> = {
  'segment-entered-plain-message.json': 202,
  'segment-entered-promotion.json': 202,
  'segment-entered-unique-code.json': 202,
  'segment-entered-minimal.json': 202,
  'valid-unknown-extra-top-level-key.json': 202,
  'other-event-segment-left.json': 200,
  'other-event-voucher-published.json': 200,
  'invalid-wrong-event-type.json': 200,
  'invalid-missing-customer.json': 422,
  'invalid-segment-without-id.json': 422,
  'invalid-data-not-object.json': 422,
  'invalid-truncated.json.txt': 400,
};

/** The fixtures the worker delivers, with the kind it delivers; the minimal one is skipped (no e-mail). */
export const DELIVERABLE_FIXTURES: Readonly<Record<string, 'plain_message' | 'promotion' | 'unique_code'>> = {
  'segment-entered-plain-message.json': 'plain_message',
  'segment-entered-promotion.json': 'promotion',
  'segment-entered-unique-code.json': 'unique_code',
  'valid-unknown-extra-top-level-key.json': 'plain_message',
};
