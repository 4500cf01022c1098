import fc from 'fast-check';
import { removeJsonWhitespace } from '../functions/ingest/removeJsonWhitespace.ts';
import { decodeSignature, signatureFor, verifySignature } from '../functions/ingest/verifySignature.ts';
import { FIXTURE_SECRET, fixtureNames, fixtureSignatures, officialSignatureVectors, readFixture } from './support/fixtures.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('verifySignature', () => {
  test.each(officialSignatureVectors().map((vector) => [vector.source, vector] as const))(
    'accepts the official test vector from %s',
    (_source, vector) => {
      expect(verifySignature(bytes(vector.message), vector.signature, [vector.secret])).toBe('valid');
      expect(signatureFor(vector.message, vector.secret)).toBe(vector.signature);
    },
  );

  test.each(fixtureNames())('accepts %s signed over its raw bytes', (name) => {
    expect(verifySignature(bytes(readFixture(name)), fixtureSignatures(name).hmac_raw, [FIXTURE_SECRET])).toBe('valid');
  });

  test.each(fixtureNames().filter((name) => fixtureSignatures(name).hmac_compact !== null))(
    'accepts pretty-printed %s signed over its compact form',
    (name) => {
      const signature = fixtureSignatures(name).hmac_compact as string;
      expect(verifySignature(bytes(readFixture(name)), signature, [FIXTURE_SECRET])).toBe('valid');
    },
  );

  test('accepts a compact body signed over exactly those bytes', () => {
    const compact = JSON.stringify(JSON.parse(readFixture('segment-entered-promotion.json')));
    expect(verifySignature(bytes(compact), signatureFor(compact, FIXTURE_SECRET), [FIXTURE_SECRET])).toBe('valid');
  });

  test('never accepts a signature over a re-serialisation that differs from the whitespace-stripped bytes', () => {
    // JSON.stringify rewrites escapes; the sender could not have signed that form of these bytes.
    const raw = '{"name": "Caf\\u00e9"}';
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect(reserialised).toBe('{"name":"Café"}');
    expect(verifySignature(bytes(raw), signatureFor(reserialised, 'k'), ['k'])).toBe('mismatch');
    expect(verifySignature(bytes(raw), signatureFor('{"name":"Caf\\u00e9"}', 'k'), ['k'])).toBe('valid');
  });

  test('accepts a signature made with any of the active secrets during a rotation', () => {
    const body = readFixture('segment-entered-plain-message.json');
    const signature = signatureFor(body, 'new-secret');
    expect(verifySignature(bytes(body), signature, ['old-secret', 'new-secret'])).toBe('valid');
    expect(verifySignature(bytes(body), signature, ['new-secret', 'old-secret'])).toBe('valid');
    expect(verifySignature(bytes(body), signature, ['old-secret'])).toBe('mismatch');
  });

  test('refuses a missing or empty header', () => {
    expect(verifySignature(bytes('{}'), undefined, ['k'])).toBe('missing');
    expect(verifySignature(bytes('{}'), '', ['k'])).toBe('missing');
  });

  test.each([
    ['too short', 'abc123'],
    ['63 hex digits', 'a'.repeat(63)],
    ['65 hex digits', 'a'.repeat(65)],
    ['uppercase garbage', `ZZ${'A'.repeat(62)}`],
    ['62 hex digits then garbage', `${'a'.repeat(62)}zz`],
    ['a single bad digit in the middle', `${'a'.repeat(31)}g${'a'.repeat(32)}`],
    ['64 non-ASCII characters', 'é'.repeat(64)],
    // Node's hex decoder reads only the low byte of each UTF-16 unit: these would decode as "a3", "0a", "aa".
    ['a fullwidth letter in place of a hex digit', `ａ3${'a'.repeat(62)}`],
    ['characters whose low byte is a hex digit', `\u0130a\u0161a${'a'.repeat(60)}`],
    ['a sha256= prefix', `sha256=${'a'.repeat(64)}`],
    ['surrounding whitespace', ` ${'a'.repeat(64)}`],
    ['two signatures', `${'a'.repeat(64)},${'b'.repeat(64)}`],
    ['base64 instead of hex', Buffer.alloc(32, 7).toString('base64')],
  ])('refuses a malformed header: %s', (_case, header) => {
    expect(verifySignature(bytes('{}'), header, ['k'])).toBe('malformed');
    expect(decodeSignature(header)).toBeUndefined();
  });

  test('refuses the right MAC spelled with characters that only look like hex to the decoder', () => {
    const signature = signatureFor('{}', 'k');
    expect(verifySignature(bytes('{}'), signature, ['k'])).toBe('valid');
    const lookalike = String.fromCharCode(0xff00 | signature.charCodeAt(0)) + signature.slice(1);
    expect(Buffer.from(lookalike, 'hex').equals(Buffer.from(signature, 'hex'))).toBe(true);
    expect(verifySignature(bytes('{}'), lookalike, ['k'])).toBe('malformed');
  });

  test('accepts the same MAC written in uppercase hex', () => {
    const body = '{"a":1}';
    expect(verifySignature(bytes(body), signatureFor(body, 'k').toUpperCase(), ['k'])).toBe('valid');
  });

  test('refuses a well-formed signature made with another secret', () => {
    const body = readFixture('segment-entered-unique-code.json');
    expect(verifySignature(bytes(body), signatureFor(body, 'not-the-secret'), [FIXTURE_SECRET])).toBe('mismatch');
  });

  test('refuses every single-character change to a valid signature', () => {
    const body = readFixture('segment-entered-minimal.json');
    const signature = fixtureSignatures('segment-entered-minimal.json').hmac_raw;
    for (let index = 0; index < signature.length; index++) {
      const replacement = signature[index] === '0' ? '1' : '0';
      const tampered = signature.slice(0, index) + replacement + signature.slice(index + 1);
      expect(verifySignature(bytes(body), tampered, [FIXTURE_SECRET])).toBe('mismatch');
    }
  });

  test('refuses a valid signature when one byte of the body changed', () => {
    const body = readFixture('segment-entered-unique-code.json');
    const signature = fixtureSignatures('segment-entered-unique-code.json').hmac_raw;
    const tampered = body.replace('WELCOME-7QX2K9', 'WELCOME-7QX2K8');
    expect(verifySignature(bytes(tampered), signature, [FIXTURE_SECRET])).toBe('mismatch');
  });

  test('refuses everything when no secret is active', () => {
    const body = '{"a":1}';
    expect(verifySignature(bytes(body), signatureFor(body, 'k'), [])).toBe('mismatch');
  });
});

describe('removeJsonWhitespace', () => {
  test('returns the same buffer when there is nothing to remove', () => {
    const compact = bytes('{"a":"b c","d":[1,2]}');
    expect(removeJsonWhitespace(compact)).toBe(compact);
  });

  test('keeps whitespace and escaped quotes inside strings', () => {
    const pretty = '{\n  "a b": "x \\" y ",\r\n\t"c" : [ 1 , "\\\\" ]\n}';
    expect(removeJsonWhitespace(bytes(pretty)).toString()).toBe('{"a b":"x \\" y ","c":[1,"\\\\"]}');
  });

  test('matches JSON.stringify of the parse for any JSON value printed with any indentation', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 8 }), (value, indent) => {
        const pretty = JSON.stringify(value, null, indent);
        return removeJsonWhitespace(bytes(pretty)).toString() === JSON.stringify(value);
      }),
      { numRuns: 300 },
    );
  });

  test('on any bytes, removes only whitespace bytes, and removing again changes nothing', () => {
    const whitespace = new Set([0x20, 0x0a, 0x0d, 0x09]);
    const byteSoup = fc.uint8Array({ maxLength: 200 }).map((array) => Buffer.from(array));
    const jsonish = fc
      .array(fc.constantFrom('{', '}', '"', '\\', ' ', '\n', '\t', '\r', 'a', ':', ',', 'ł'), { maxLength: 80 })
      .map((parts) => Buffer.from(parts.join(''), 'utf8'));
    fc.assert(
      fc.property(fc.oneof(byteSoup, jsonish), (input) => {
        const output = removeJsonWhitespace(input);
        let read = 0;
        for (const byte of output) {
          while (input[read] !== byte) {
            expect(whitespace.has(input[read]!)).toBe(true);
            read++;
          }
          read++;
        }
        for (; read < input.length; read++) expect(whitespace.has(input[read]!)).toBe(true);
        expect(removeJsonWhitespace(Buffer.from(output)).equals(output)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('leaves multi-byte UTF-8 intact', () => {
    const pretty = '{ "name": "Zoë Łukasz 🎉" }';
    expect(removeJsonWhitespace(bytes(pretty)).toString()).toBe('{"name":"Zoë Łukasz 🎉"}');
  });
});
