import fc from 'fast-check';
import { displayName, firstNameOf, MAX_NAME_LENGTH, MAX_NAME_WORDS } from '../functions/distribute/displayName.ts';

const ALLOWED = /^[\p{L}\p{M}'’-]+(?: [\p{L}\p{M}'’-]+)*$/u;

describe('displayName keeps real names', () => {
  test.each([
    ['Zoë', 'Zoë'],
    ['Łukasz Kowalski', 'Łukasz Kowalski'],
    ['José María', 'José María'],
    ['Nguyễn Văn An', 'Nguyễn Văn An'],
    ['李小龍', '李小龍'],
    ["O'Neil", "O'Neil"],
    ['D’Angelo', 'D’Angelo'],
    ['Jean-Luc Picard', 'Jean-Luc Picard'],
    ["Ngũgĩ wa Thiong'o", "Ngũgĩ wa Thiong'o"],
    ['Ἀλέξανδρος', 'Ἀλέξανδρος'],
    ['श्री राम', 'श्री राम'],
    ['محمد علي', 'محمد علي'],
    ['דוד כהן', 'דוד כהן'],
    ['Hawaiʻi Kealoha', 'Hawaiʻi Kealoha'],
    ['María de los Ángeles García López', 'María de los Ángeles García López'],
  ])('%p stays %p', (name, shown) => {
    expect(displayName(name)).toBe(shown);
  });

  test('composes a name typed with combining accents into the precomposed letters', () => {
    expect(displayName('Jose\u0301 Mari\u0301a')).toBe('José María');
  });

  test('keeps a combining mark that has no precomposed form', () => {
    expect(displayName('Ta\u0331ha')).toBe('Ta\u0331ha');
  });

  test('collapses runs of spaces, tabs, line breaks and wide spaces', () => {
    expect(displayName('  Anna \t Maria\r\n\u3000Kowalska ')).toBe('Anna Maria Kowalska');
  });

  test('turns characters a name does not hold into spaces, and drops emoji', () => {
    expect(displayName('"Bob" & Alice')).toBe('Bob Alice');
    expect(displayName('👩🏽‍💻 Sam')).toBe('Sam');
    expect(displayName('Smith, John (Johnny)')).toBe('Smith John Johnny');
  });

  test('drops the dots of initials and titles, which are no domain', () => {
    expect(displayName('J.R.R. Tolkien')).toBe('J R R Tolkien');
    expect(displayName('Mr. Smith')).toBe('Mr Smith');
  });

  test('folds fullwidth letters into plain ones', () => {
    expect(displayName('Ａｌｅｘ')).toBe('Alex');
  });
});

describe('displayName neutralises hostile names', () => {
  test.each([
    ['a bidi override reversing a domain', '\u202Emoc.elpmaxe\u202C'],
    ['a bidi override hiding a file name', 'Alex\u202Etxt.exe'],
    ['a sentence joined by braille blanks', 'Your\u2800account\u2800is\u2800locked\u2800visit\u2800bank-help\u2800now'],
    ['a sentence joined by Hangul fillers', 'Claim\u3164your\u3164prize\u3164at\u3164evil\u3164dot\u3164example\u3164today'],
    ['a sentence with a full stop', 'Your prize is waiting. Reply'],
    ['a question', 'Won a prize?'],
    ['a link', 'Click evil.example now'],
    ['a link with a scheme', 'https://evil'],
    ['an e-mail address', 'support@bank.example'],
    ['a fullwidth domain', 'ｗｗｗ．ｅｖｉｌ．ｃｏｍ'],
    ['a domain behind zero-width spaces', 'evil\u200B.\u200Bexample'],
    ['a phone number', 'Call 0800 123 456'],
    ['a name of 500 characters', 'A'.repeat(500)],
    ['a name longer than the limit at a word boundary', 'Bartholomew Maximilian Montgomery Fitzgerald'],
    ['too many words', 'Pablo Diego José Francisco de Paula Juan'],
    ['only invisible characters', '\u200B\u200C\u200D\u2060\uFEFF\u2800\u3164'],
    ['only punctuation', "-- ' ’ --"],
    ['an HTML tag', '<b>Bob</b>'],
    ['an image tag with a script', '<img src=x onerror=alert(1)>'],
    ['stacked combining marks', 'Z\u0336\u0322\u031B\u0353\u0359a\u0338lgo'],
  ])('%s falls back to the neutral greeting', (_name, name) => {
    expect(displayName(name)).toBeNull();
  });

  test('removes zero-width joiners and bidi controls inside a name', () => {
    expect(displayName('Jo\u200Dh\u200Bn A\u2066nn\u2069\u202Ea')).toBe('John Anna');
  });

  test.each([null, undefined, '', '   '])('has no name for %p', (name) => {
    expect(displayName(name)).toBeNull();
  });
});

describe('firstNameOf', () => {
  test('is the first word of the cleaned name', () => {
    expect(firstNameOf(displayName("Ngũgĩ wa Thiong'o"))).toBe('Ngũgĩ');
    expect(firstNameOf(displayName('Click\u2800here'))).toBe('Click');
    expect(firstNameOf(null)).toBeNull();
  });
});

describe('displayName, whatever it is given', () => {
  // Characters that matter here, mixed with any code point at all.
  const tricky = fc.constantFrom(
    ...[' ', '.', '@', '/', ':', '-', "'", '’', '\u2800', '\u3164', '\u115F', '\u1160', '\uFFA0', '\u200B', '\u200D', '\u202E'],
    ...['\u2066', '\u0301', '\u0331', '\u0336', '\uFF0E', '\uFF20', '\uFF57', 'ᄀ', 'ᅡ', 'ᆨ', 'A', 'é', 'Z', '李', '\uD800', '<'],
  );
  const hostile = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.array(fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 2 })), { maxLength: 60 }).map((parts) => parts.join('')),
  );

  test('keeps only letters, marks, single spaces, hyphens and apostrophes, within the limits', () => {
    fc.assert(
      fc.property(hostile, (raw) => {
        const name = displayName(raw);
        if (name === null) return;
        expect(name).toMatch(ALLOWED);
        expect([...name].length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
        expect(name.split(' ').length).toBeLessThanOrEqual(MAX_NAME_WORDS);
        expect(name).not.toMatch(/[@/:.]/);
      }),
      { numRuns: 2000 },
    );
  });

  test('is idempotent', () => {
    fc.assert(
      fc.property(hostile, (raw) => {
        const name = displayName(raw);
        if (name !== null) expect(displayName(name)).toBe(name);
      }),
      { numRuns: 2000 },
    );
  });
});
