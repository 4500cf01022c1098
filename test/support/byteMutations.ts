/**
 * Byte-level damage to a request body, as a network, a proxy or an attacker could do it: bit
 * flips, overwritten, inserted and deleted bytes, truncation. Positions are drawn as plain
 * numbers and taken modulo the current length, so one mutation list applies to any body.
 */
import fc from 'fast-check';

export type ByteMutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'overwrite'; readonly at: number; readonly byte: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'delete'; readonly at: number; readonly count: number }
  | { readonly kind: 'truncate'; readonly at: number };

/** Bytes that matter to a JSON parser or a UTF-8 decoder, inserted more often than random ones. */
const INTERESTING_BYTES = [
  0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x3a, 0x5b, 0x5c, 0x5d, 0x7b, 0x7d, 0x30, 0x2d, 0x65, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed,
  0xef, 0xf0, 0xf4, 0xf8, 0xfe, 0xff,
];

const byteValue = fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 }));
const position = fc.nat();

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: position, byte: byteValue }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.array(byteValue, { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
);

export const byteMutations = fc.array(byteMutation, { minLength: 1, maxLength: 4 });

function applyOne(bytes: Buffer, mutation: ByteMutation): Buffer {
  if (bytes.length === 0) return mutation.kind === 'insert' ? Buffer.from(mutation.bytes) : bytes;
  const at = mutation.at % bytes.length;
  switch (mutation.kind) {
    case 'flip': {
      const copy = Buffer.from(bytes);
      copy[at] = copy[at]! ^ (1 << mutation.bit);
      return copy;
    }
    case 'overwrite': {
      const copy = Buffer.from(bytes);
      copy[at] = mutation.byte;
      return copy;
    }
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(mutation.bytes), bytes.subarray(at)]);
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + mutation.count)]);
    case 'truncate':
      return Buffer.from(bytes.subarray(0, at));
  }
}

export const applyByteMutations = (bytes: Buffer, mutations: readonly ByteMutation[]): Buffer => mutations.reduce(applyOne, bytes);

/**
 * The bytes a lenient encoder (WTF-8) writes for text that may hold lone surrogates: each lone
 * surrogate becomes its own 3-byte sequence, which is not valid UTF-8. `Buffer.from(text)` would
 * silently write U+FFFD instead.
 */
export function wtf8Bytes(text: string): Buffer {
  const parts: Buffer[] = [];
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      parts.push(Buffer.from(text.slice(index, index + 2), 'utf8'));
      index++;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      parts.push(Buffer.from([0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]));
    } else {
      parts.push(Buffer.from(text[index]!, 'utf8'));
    }
  }
  return Buffer.concat(parts);
}
