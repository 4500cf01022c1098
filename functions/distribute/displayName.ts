/**
 * A customer's name made safe to print in a subject and a body. Customers type their own names
 * (sign-up forms, Voucherify's client-side API), so a "name" can be a phishing sentence, a link, an
 * e-mail address or text hidden behind invisible and direction-changing characters. The message
 * greets by name only what reads as a name; anything else gets the neutral greeting (null).
 *
 * Steps: blank-looking characters become spaces, invisible ones go, NFKC folds fullwidth and
 * styled letters into plain ones; then a name that looks like an address, a link, a number or a
 * sentence is refused; then only letters, marks, spaces, hyphens and apostrophes are kept.
 */

/** At most this many code points; longer cleaned names fall back to the neutral greeting. */
export const MAX_NAME_LENGTH = 40;
/** The longest common full names have six words ("María de los Ángeles García López"). */
export const MAX_NAME_WORDS = 6;
/** More combining marks than this on one letter is "Zalgo" text drawn over neighbouring lines. */
const MAX_MARKS_PER_LETTER = 4;

// Spaces of every kind, and letters that render as nothing: U+2800 BRAILLE PATTERN BLANK, the
// Hangul fillers U+115F, U+1160, U+3164 and U+FFA0. They once joined a whole phishing sentence
// into one "word", so they count as the spaces they look like.
const BLANK = /[\p{White_Space}\u2800\u115F\u1160\u3164\uFFA0]/gu;
// Format characters (zero-width joiners, bidi overrides and isolates, tags…), other code points
// meant to be invisible (variation selectors, the combining grapheme joiner), and controls.
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Cc}]/gu;

// Shapes that never occur in a name, checked before punctuation is dropped so that a dot or an
// "@" cannot be hidden by removing it:
const ADDRESS_OR_MARKUP = /[@/\\<>]/u; // e-mail addresses, links ("://"), paths, HTML tags
const DIGIT = /\p{N}/u; // phone numbers, prices, house numbers, "0" for "o" in look-alike domains
const DOMAIN = /\p{L}\.\p{L}{2}/u; // "evil.example", "www.bank" (initials such as "J.R.R." stay)
// "!", "?", ";", ":" and other scripts' sentence ends ("。", "؟"); the full stop ends a sentence
// after a word of four letters or more ("Click here."), not after an initial or "Mr.", "Jr.".
const SENTENCE = /[;:]|[^\P{Sentence_Terminal}.]|\p{L}{4}\./u;
const ZALGO = new RegExp(`\\p{M}{${MAX_MARKS_PER_LETTER + 1}}`, 'u');

// What a name may hold; every other character becomes a space.
const NOT_NAME_CHARACTER = /[^\p{L}\p{M} '’-]/gu;
// A mark must sit on a letter (or on the marks of one); after a space or punctuation it is dropped.
const ORPHAN_MARKS = /(^|[^\p{L}\p{M}])\p{M}+/gu;
const EDGE_PUNCTUATION = /^['’-]+|['’-]+$/gu;
const LETTER = /\p{L}/u;

/**
 * The name fit to greet the customer with, or null when it is empty or does not read as a name.
 * The result holds only letters, marks, single spaces, hyphens and apostrophes (' and ’), has at
 * most MAX_NAME_WORDS words and MAX_NAME_LENGTH code points, and is its own display name.
 */
export function displayName(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const text = raw.toWellFormed().replace(BLANK, ' ').replace(INVISIBLE, '').normalize('NFKC').replace(BLANK, ' ');
  if (ADDRESS_OR_MARKUP.test(text) || DIGIT.test(text) || DOMAIN.test(text) || SENTENCE.test(text)) return null;
  const words = text
    .replace(NOT_NAME_CHARACTER, ' ')
    .replace(ORPHAN_MARKS, '$1')
    .split(' ')
    .map((word) => word.replace(EDGE_PUNCTUATION, ''))
    .filter((word) => LETTER.test(word));
  // Dropping characters can bring Hangul jamo or a letter and its mark together: compose them again.
  const name = words.join(' ').normalize('NFKC');
  // Give up rather than cut: a cut name can read as someone else's, or keep the start of a message.
  if (words.length === 0 || words.length > MAX_NAME_WORDS || [...name].length > MAX_NAME_LENGTH || ZALGO.test(name)) return null;
  return name;
}

/** The first word of a display name, for a friendly greeting ("Hello Zoë"). */
export const firstNameOf = (name: string | null): string | null => name?.split(' ')[0] ?? null;
