/**
 * Finds what must never reach a log line (the observability and hostile-input requirements): signing secrets,
 * signature header values, e-mail addresses, phone numbers, and the personal data a webhook body
 * carries. Both the exact values the tests used and generic patterns are searched, so a value that
 * was reformatted on its way into a log (a phone number without spaces, a signature in upper case)
 * is still caught. Shared by the log tests of both functions.
 */
import { fixtureNames, readFixture } from './fixtures.ts';

export type LeakKind = 'secret' | 'signature' | 'email' | 'phone' | 'personal_data';

export interface Leak {
  readonly kind: LeakKind;
  /** What matched: the known value, or the text a generic pattern found. */
  readonly value: string;
  /** The log line around it, for the failure message. */
  readonly excerpt: string;
}

/** Values the tests put into requests and configuration, by the kind of leak each would be. */
export interface SensitiveValues {
  readonly secrets: readonly string[];
  readonly signatures: readonly string[];
  readonly emails: readonly string[];
  readonly phones: readonly string[];
  readonly personalData: readonly string[];
}

const GENERIC_PATTERNS: readonly (readonly [LeakKind, RegExp])[] = [
  ['email', /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g],
  // International (+48 600 100 200) and grouped national (600-100-200) forms; not timestamps or ids.
  ['phone', /\+\d[\d\s().-]{6,}\d/g],
  ['phone', /(?<![\w.:-])\d{3}[\s.-]\d{3}[\s.-]\d{3,4}(?![\w:-])/g],
  // An HMAC-SHA256 in hex, whatever its case: a signature header value or something signed.
  ['signature', /(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])/g],
];

const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const PHONE_IN_TEXT = /\+\d[\d\s().-]{6,}\d/g;
const PERSONAL_KEYS = new Set(['name', 'line_1', 'line_2', 'birthdate', 'code']);

/**
 * The e-mail addresses, phone numbers and other personal data in the shared fixtures: values of
 * `email` and `phone` keys anywhere, anything shaped like an address or an international number
 * (the truncated fixture is searched as text), and customer names, addresses and voucher codes.
 */
export function fixtureSensitiveValues(): Pick<SensitiveValues, 'emails' | 'phones' | 'personalData'> {
  const emails = new Set<string>();
  const phones = new Set<string>();
  const personalData = new Set<string>();
  const visit = (value: unknown, key: string | undefined, parentKey: string | undefined) => {
    if (typeof value === 'string') {
      if (key === 'email' && value) emails.add(value);
      if (key === 'phone' && value) phones.add(value);
      // Names of customers, addresses and vouchers; not of segments, campaigns or tiers, which are ours.
      if (
        key &&
        PERSONAL_KEYS.has(key) &&
        value.length >= 4 &&
        (parentKey === 'customer' || parentKey === 'address' || parentKey === 'voucher')
      ) {
        personalData.add(value);
      }
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, key, parentKey);
    } else if (typeof value === 'object' && value !== null) {
      for (const [childKey, child] of Object.entries(value)) visit(child, childKey, key);
    }
  };
  for (const name of fixtureNames()) {
    const text = readFixture(name);
    for (const match of text.matchAll(EMAIL_IN_TEXT)) emails.add(match[0]);
    for (const match of text.matchAll(PHONE_IN_TEXT)) phones.add(match[0]);
    try {
      visit(JSON.parse(text), undefined, undefined);
    } catch {
      // The truncated fixture is not JSON; its text was searched above.
    }
  }
  for (const phone of [...phones]) phones.add(phone.replace(/[^\d+]/g, '')).add(phone.replace(/\D/g, ''));
  return { emails: [...emails], phones: [...phones], personalData: [...personalData] };
}

function excerptAround(text: string, index: number, length: number): string {
  const lineStart = text.lastIndexOf('\n', index) + 1;
  const lineEnd = text.indexOf('\n', index + length);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

/** Every occurrence of a sensitive value or a generic pattern in the text, one per distinct value. */
export function findLeaks(text: string, sensitive: SensitiveValues): Leak[] {
  const leaks = new Map<string, Leak>();
  const add = (kind: LeakKind, value: string, index: number) => {
    const key = `${kind} ${value}`;
    if (!leaks.has(key)) leaks.set(key, { kind, value, excerpt: excerptAround(text, index, value.length) });
  };
  const known: [LeakKind, readonly string[]][] = [
    ['secret', sensitive.secrets],
    ['signature', sensitive.signatures],
    ['email', sensitive.emails],
    ['phone', sensitive.phones],
    ['personal_data', sensitive.personalData],
  ];
  const lowerText = text.toLowerCase();
  for (const [kind, values] of known) {
    for (const value of values) {
      if (value.trim().length < 4) continue;
      const index = lowerText.indexOf(value.toLowerCase());
      if (index !== -1) add(kind, value, index);
    }
  }
  for (const [kind, pattern] of GENERIC_PATTERNS) {
    for (const match of text.matchAll(pattern)) add(kind, match[0], match.index);
  }
  return [...leaks.values()];
}
