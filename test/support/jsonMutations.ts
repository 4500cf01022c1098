/**
 * Structural mutations of JSON documents for the ingest's hostile-input tests: every path of a
 * document, a value of another JSON type at one of them, entries written into the JSON text that
 * `JSON.stringify` cannot express (duplicate keys, `__proto__`), raw characters injected into a
 * string, and nesting as deep as the size limit allows.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonPath = readonly (string | number)[];

export const JSON_TYPES = ['null', 'boolean', 'number', 'string', 'array', 'object'] as const;
export type JsonType = (typeof JSON_TYPES)[number];

/** Keys that pollute `Object.prototype` in code that merges parsed JSON carelessly. */
export const PROTOTYPE_POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

export function jsonTypeOf(value: JsonValue): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'boolean' | 'number' | 'string' | 'object';
}

const isJsonObject = (value: JsonValue): value is { [key: string]: JsonValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every path in the document, the root (`[]`) first, then depth-first in key order. */
export function jsonPaths(document: JsonValue): JsonPath[] {
  const paths: JsonPath[] = [];
  const visit = (value: JsonValue, path: JsonPath) => {
    paths.push(path);
    if (Array.isArray(value)) for (const [index, item] of value.entries()) visit(item, [...path, index]);
    else if (isJsonObject(value)) for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
  };
  visit(document, []);
  return paths;
}

export function valueAt(document: JsonValue, path: JsonPath): JsonValue | undefined {
  let current: JsonValue | undefined = document;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, JsonValue>)[segment];
  }
  return current;
}

/** A copy of the document with the value at `path` replaced (the root itself when `path` is empty). */
export function withValueAt(document: JsonValue, path: JsonPath, replacement: JsonValue): JsonValue {
  if (path.length === 0) return replacement;
  const copy = structuredClone(document);
  const parent = valueAt(copy, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object') throw new Error(`No container at ${dotPath(path.slice(0, -1))}`);
  (parent as Record<string | number, JsonValue>)[path[path.length - 1]!] = replacement;
  return copy;
}

/** `data.customer.id`, array indices as numbers: the form the ingest reports issue paths in. */
export const dotPath = (path: JsonPath): string => path.join('.');

export type EntryPlacement = 'first' | 'last';
export type ExtraEntries = readonly (readonly [key: string, value: JsonValue])[];

/**
 * The document as compact JSON text with extra entries written into objects, before or after
 * their own: `entriesAt` says which entries go into the object at each path. An extra key may
 * repeat an existing key or be `__proto__`: the text is exactly what a hostile sender would send,
 * which `JSON.stringify` of an object cannot produce.
 */
export function jsonTextWithEntries(document: JsonValue, entriesAt: (path: JsonPath) => ExtraEntries, placement: EntryPlacement): string {
  const write = (value: JsonValue, path: JsonPath): string => {
    if (Array.isArray(value)) return `[${value.map((item, index) => write(item, [...path, index])).join(',')}]`;
    if (!isJsonObject(value)) return JSON.stringify(value);
    const own = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${write(item, [...path, key])}`);
    const extra = entriesAt(path).map(([key, item]) => `${JSON.stringify(key)}:${JSON.stringify(item)}`);
    return `{${(placement === 'first' ? [...extra, ...own] : [...own, ...extra]).join(',')}}`;
  };
  return write(document, []);
}

/** `entriesAt` for one object: the entries go into the object at `target` and nowhere else. */
export const entriesOnlyAt =
  (target: JsonPath, entries: ExtraEntries) =>
  (path: JsonPath): ExtraEntries =>
    path.length === target.length && path.every((segment, index) => segment === target[index]) ? entries : [];

/** Stands in for injected text until the document is serialised; nothing in the fixtures contains it. */
const INJECTION_MARKER = 'FUZZ_INJECTION_MARKER_7c1e';

/**
 * The document as JSON text (pretty-printed when `indent` is given) with `injection` written
 * verbatim at the end of the string at `path`, or as the name of an extra key of the object at
 * `path`. The injection is raw text: a NUL, a lone surrogate or an escape sequence such as `\u0000`.
 */
export function jsonTextWithInjection(
  document: JsonValue,
  path: JsonPath,
  where: 'string_value' | 'key',
  injection: string,
  indent?: number,
): string {
  const target = valueAt(document, path);
  let marked: JsonValue;
  if (where === 'string_value') {
    if (typeof target !== 'string') throw new Error(`No string at ${dotPath(path)}`);
    marked = withValueAt(document, path, target + INJECTION_MARKER);
  } else {
    if (target === undefined || !isJsonObject(target)) throw new Error(`No object at ${dotPath(path)}`);
    marked = withValueAt(document, path, { ...target, [INJECTION_MARKER]: 'injected key' });
  }
  return JSON.stringify(marked, null, indent).replace(INJECTION_MARKER, () => injection);
}

/**
 * The document as JSON text with `rawValueText` written verbatim as the value at `path` (a new
 * key when the path names one the object does not have): for values too deep or too strange to
 * build as objects.
 */
export function jsonTextWithRawValue(document: JsonValue, path: JsonPath, rawValueText: string, indent?: number): string {
  return JSON.stringify(withValueAt(document, path, INJECTION_MARKER), null, indent).replace(
    JSON.stringify(INJECTION_MARKER),
    () => rawValueText,
  );
}

export type NestingShape = 'array' | 'object' | 'mixed';

const OPENERS: Record<NestingShape, readonly [open: string, close: string][]> = {
  array: [['[', ']']],
  object: [['{"a":', '}']],
  mixed: [
    ['[', ']'],
    ['{"a":', '}'],
  ],
};

/** Bytes each level of nesting costs, so callers can stay within a size limit. */
export const nestingBytesPerLevel = (shape: NestingShape): number =>
  Math.max(...OPENERS[shape].map(([open, close]) => open.length + close.length));

/**
 * JSON text nested `depth` levels deep around `leaf`, built without recursion so that the depth
 * is limited only by the size of the text. `closed: false` leaves every level open (truncated).
 */
export function deeplyNestedJson(depth: number, shape: NestingShape, leaf = '0', closed = true): string {
  const levels = OPENERS[shape];
  const opens: string[] = [];
  const closes: string[] = [];
  for (let level = 0; level < depth; level++) {
    const [open, close] = levels[level % levels.length]!;
    opens.push(open);
    closes.push(close);
  }
  return opens.join('') + leaf + (closed ? closes.reverse().join('') : '');
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The bytes with JSON whitespace outside string literals removed: the "compact" form Voucherify's
 * documentation signs (README §4). Written here independently of the ingest's own
 * removeJsonWhitespace, as the oracle for which changed bodies a compact signature still covers.
 */
export function compactJsonBytes(bytes: Buffer): Buffer {
  const kept: number[] = [];
  let inString = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]!;
    if (inString) {
      kept.push(byte);
      if (byte === BACKSLASH && index + 1 < bytes.length) kept.push(bytes[++index]!);
      else if (byte === QUOTE) inString = false;
    } else if (!JSON_WHITESPACE.has(byte)) {
      kept.push(byte);
      if (byte === QUOTE) inString = true;
    }
  }
  return Buffer.from(kept);
}
