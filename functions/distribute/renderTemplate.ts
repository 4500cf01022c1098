/**
 * Renders message templates with Mustache, the logic-less syntax of Voucherify's own
 * `{{customer.name}}` placeholders: `{{path}}` inserts a value, `{{#path}}…{{/path}}` renders when it
 * is truthy and `{{^path}}…{{/path}}` when it is not. A section tag alone on its line takes the line
 * with it. Values are HTML-escaped in the HTML part only.
 *
 * Stricter than Mustache, which renders what it cannot find as nothing: a placeholder the view does
 * not have, one naming an object, an unescaped tag (`{{{…}}}`, `{{&…}}`), a partial, a comment or a
 * delimiter change is a TemplateError. Paths always start at the root of the view, so a template
 * reads the same wherever a placeholder stands; below a parent that is null or false (a voucher on a
 * plain message) a path renders as empty. test/distribute.templates.test.ts renders every template
 * against every kind, so a mistake fails the build, not a send-out.
 */
import Mustache from 'mustache';
import { TemplateError } from './errors.ts';

export type TemplateMode = 'html' | 'text';

/** What templates render: plain data, every key present (null when unknown). */
export type TemplateView = { readonly [key: string]: TemplateValue };
export type TemplateValue = string | number | boolean | null | TemplateView;

/** A token of Mustache's parse: its type ('text', 'name', '#', '^', …), its value, and a section's children at index 4. */
type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** The placeholders of a template, checked for what this renderer allows; throws TemplateError. */
export function parseTemplate(source: string): readonly Token[] {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(source) as unknown as Token[];
  } catch (error) {
    throw new TemplateError('Malformed template', (error as Error).message.replace(/\s+/g, ' '), { cause: error });
  }
  checkTokens(tokens);
  return tokens;
}

function checkTokens(tokens: readonly Token[]): void {
  for (const [type, value, , , children] of tokens) {
    if (type === 'text') continue;
    if (type !== 'name' && type !== '#' && type !== '^') throw new TemplateError('Unsupported tag', `unsupported tag "${type}" ${value}`);
    if (!PATH.test(value)) throw new TemplateError('Unsupported tag', `"${value}" is not a dot path`);
    if (children) checkTokens(children);
  }
}

/** Every path of a template resolved against a view: unknown keys and objects in value position fail. */
function checkPaths(tokens: readonly Token[], view: TemplateView): void {
  for (const [type, path, , , children] of tokens) {
    if (type === 'text') continue;
    const value = resolve(view, path);
    if (type === 'name' && typeof value === 'object' && value !== null) {
      throw new TemplateError('Placeholder names an object', `${path}: names an object, not a value`);
    }
    if (children) checkPaths(children, view);
  }
}

/** The value at a dot path; undefined below a null or false parent; TemplateError for a key the view lacks. */
function resolve(view: TemplateView, path: string): TemplateValue | undefined {
  let value: TemplateValue | undefined = view;
  for (const key of path.split('.')) {
    if (value === null || value === undefined || value === false) return undefined;
    if (typeof value !== 'object') throw new TemplateError('Unknown placeholder', `${path}: not an object before "${key}"`);
    // Own keys only: a template must not reach Object.prototype (constructor, __proto__…).
    if (!Object.hasOwn(value, key)) throw new TemplateError('Unknown placeholder', `${path}: unknown placeholder`);
    value = value[key];
  }
  return value;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes the five characters that matter in HTML text and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);

const verbatim = (text: string): string => text;

/** Renders a template against a view; throws TemplateError for malformed templates and unknown paths. */
export function renderTemplate(source: string, view: TemplateView, mode: TemplateMode): string {
  checkPaths(parseTemplate(source), view);
  return Mustache.render(source, view, undefined, { escape: mode === 'html' ? escapeHtml : verbatim });
}
