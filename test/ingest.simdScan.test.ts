import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { FIRST_JSON_WHITESPACE_WASM } from '../functions/ingest/firstJsonWhitespaceWasm.ts';
import { firstJsonWhitespace, firstJsonWhitespaceByteByByte } from '../functions/ingest/removeJsonWhitespace.ts';
import { loadSimdScanner, SCAN_AREA_BYTES, simdFirstJsonWhitespace, simdScanArea } from '../functions/ingest/simdWhitespaceScan.ts';
import { signatureFor, verifySignature } from '../functions/ingest/verifySignature.ts';
import { GENERATED_MODULE, generatedScannerModule } from '../scripts/build-wasm.ts';
import { FIXTURE_SECRET, fixtureNames, readFixture } from './support/fixtures.ts';

// The module is loaded on first need; this file checks the signature path before that happens.
const signedPretty = readFixture('segment-entered-unique-code.json');
const compactSignature = signatureFor(JSON.stringify(JSON.parse(signedPretty)), FIXTURE_SECRET);

describe('the SIMD scanner is loaded on first need', () => {
  test('not at start-up, and not by a body whose raw signature matches', () => {
    expect(simdScanArea()).toBeUndefined();
    expect(verifySignature(signedPretty, signatureFor(signedPretty, FIXTURE_SECRET), [FIXTURE_SECRET])).toBe('valid');
    expect(simdScanArea()).toBeUndefined();
  });

  test('by the first body whose raw signature does not match, and every text body is then checked in its scan area', () => {
    expect(verifySignature(signedPretty, compactSignature, [FIXTURE_SECRET])).toBe('valid');
    expect(simdScanArea()?.length).toBe(SCAN_AREA_BYTES);
    // The same answers once the bytes are written where the SIMD scan reads them.
    expect(verifySignature(signedPretty, compactSignature, [FIXTURE_SECRET])).toBe('valid');
    expect(verifySignature(signedPretty, compactSignature.replace(/^./, (c) => (c === '0' ? '1' : '0')), [FIXTURE_SECRET])).toBe(
      'mismatch',
    );
    const compact = JSON.stringify(JSON.parse(signedPretty));
    expect(verifySignature(compact, signatureFor(compact, FIXTURE_SECRET), [FIXTURE_SECRET])).toBe('valid');
    expect(verifySignature(compact, compactSignature.replace(/.$/, (c) => (c === '0' ? '1' : '0')), [FIXTURE_SECRET])).toBe(
      'mismatch',
    );
  });
});

describe('simdFirstJsonWhitespace', () => {
  beforeAll(loadSimdScanner);

  const area = () => simdScanArea() as Buffer;
  /** Writes bytes at `start` of the scan area, followed by `after` (what a previous body left there). */
  const inArea = (bytes: Uint8Array, start = 0, after: Uint8Array = new Uint8Array()): Buffer => {
    area().set(bytes, start);
    area().set(after.subarray(0, Math.max(0, Math.min(after.length, SCAN_AREA_BYTES - start - bytes.length))), start + bytes.length);
    return area().subarray(start, start + bytes.length);
  };
  const expectSameAsByteLoop = (bytes: Buffer) => {
    const simd = simdFirstJsonWhitespace(bytes);
    expect(simd).toBeDefined();
    expect(simd).toBe(firstJsonWhitespaceByteByByte(bytes));
  };

  test('leaves bytes outside its memory to the byte loop', () => {
    expect(simdFirstJsonWhitespace(Buffer.from('{"a": 1}'))).toBeUndefined();
    expect(firstJsonWhitespace(Buffer.from('{"a": 1}'))).toBe(5);
    expect(firstJsonWhitespace(inArea(Buffer.from('{"a": 1}')))).toBe(5);
  });

  test.each(fixtureNames())('agrees with the byte loop on %s, pretty and compact', (name) => {
    const text = readFixture(name);
    expectSameAsByteLoop(inArea(Buffer.from(text)));
    const compact = (() => {
      try {
        return JSON.stringify(JSON.parse(text));
      } catch {
        return undefined;
      }
    })();
    if (compact !== undefined) expectSameAsByteLoop(inArea(Buffer.from(compact), 7));
  });

  test('finds whitespace at every position around the 64-byte blocks', () => {
    for (let length = 0; length <= 200; length++) {
      for (const position of [0, 1, 62, 63, 64, 65, 127, 128, length - 1]) {
        if (position < 0 || position >= length) continue;
        const bytes = Buffer.alloc(length, 'a'.charCodeAt(0));
        bytes[position] = 0x0a;
        expect(simdFirstJsonWhitespace(inArea(bytes, 3, Buffer.from('    ')))).toBe(position);
      }
    }
  });

  test('ignores what lies past the end of the body, however it reads', () => {
    // A string left open at the end, and whitespace right after the last byte.
    expectSameAsByteLoop(inArea(Buffer.from('{"a":"b c'), 0, Buffer.from('" \n ')));
    expect(simdFirstJsonWhitespace(inArea(Buffer.from('{"a":1}'), 0, Buffer.from('   ')))).toBe(-1);
  });

  test('follows escapes across block boundaries', () => {
    for (let at = 55; at <= 70; at++) {
      // A backslash-escaped quote straddling (or near) the boundary between two blocks, then a space outside the string.
      const inside = 'x'.repeat(at - 6);
      const body = Buffer.from(`{"k":"${inside}\\" y","z": 1}`);
      expectSameAsByteLoop(inArea(body));
      const doubled = Buffer.from(`{"k":"${inside}\\\\" ,"z":1}`);
      expectSameAsByteLoop(inArea(doubled));
    }
  });

  test('handles a body filling the whole scan area', () => {
    const body = Buffer.alloc(SCAN_AREA_BYTES, '"'.charCodeAt(0));
    body[SCAN_AREA_BYTES - 1] = 0x20;
    expectSameAsByteLoop(inArea(body));
    body[SCAN_AREA_BYTES - 2] = 0x61;
    expectSameAsByteLoop(inArea(body));
  });

  test('agrees with the byte loop on any bytes, at any offset, whatever follows them (property)', () => {
    const interesting = fc.constantFrom(0x22, 0x5c, 0x20, 0x0a, 0x0d, 0x09, 0x61, 0x7b, 0x3a, 0x01, 0xff, 0x00);
    const byte = fc.oneof({ weight: 3, arbitrary: interesting }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(
        fc.array(byte, { maxLength: 400 }),
        fc.integer({ min: 0, max: 200 }),
        fc.array(byte, { maxLength: 64 }),
        (body, start, after) => {
          const bytes = inArea(Uint8Array.from(body), start, Uint8Array.from(after));
          return simdFirstJsonWhitespace(bytes) === firstJsonWhitespaceByteByByte(bytes);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('agrees with the byte loop on any JSON, pretty or compact (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4 }), (value, indent) => {
        const bytes = inArea(Buffer.from(JSON.stringify(value, null, indent)));
        return simdFirstJsonWhitespace(bytes) === firstJsonWhitespaceByteByByte(bytes);
      }),
      { numRuns: 500 },
    );
  });
});

test('firstJsonWhitespaceWasm.ts is what `npm run wasm` assembles from firstJsonWhitespace.wat', async () => {
  expect(readFileSync(GENERATED_MODULE, 'utf8')).toBe(await generatedScannerModule());
  expect(FIRST_JSON_WHITESPACE_WASM.length).toBeGreaterThan(0);
});
