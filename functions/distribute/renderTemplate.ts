/**
 * A small logic-less template renderer in the style of Mustache (and of Voucherify's own
 * `{{customer.name}}` placeholders), with only what message copy needs:
 *
 * - `{{path}}` inserts a value: HTML-escaped in `html` mode, verbatim in `text` mode;
 * - `{{#path}}…{{/path}}` renders its content when the value is truthy;
 * - `{{^path}}…{{/path}}` renders its content when the value is falsy (absent, null, false, '', 0).
 *
 * Paths are dot-separated and always start at the root of the view (sections do not change the
 * context), so a template reads the same wherever a placeholder stands. A section tag alone on its
 * line takes the whole line with it, so text templates need no blank-line gymnastics.
 *
 * Strict by design: a path the view does not have, an unbalanced section, a placeholder that
 * names an object, or any other `{{…}}` tag is a TemplateError, never silently empty output.
 * A parent that is null or false (a voucher on a plain message) renders as empty, not an error.
 */
import { TemplateError } from './errors.ts';

export type TemplateMode = 'html' | 'text';

/** What templates render: plain data, every key present (null when unknown). */
export type TemplateView = { readonly [key: string]: TemplateValue };
export type TemplateValue = string | number | boolean | null | TemplateView;

type TemplateNode =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'value'; readonly path: string }
  | { readonly type: 'section'; readonly path: string; readonly inverted: boolean; readonly children: readonly TemplateNode[] };

const TAG = /\{\{(.*?)\}\}/gs;
const TAG_BODY = /^\s*([#^/]?)\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*$/;
// A section tag with nothing but blanks around it on its line, the line break included.
const STANDALONE_SECTION_TAG = /^[ \t]*(\{\{\s*[#^/][^}]*\}\})[ \t]*(?:\r?\n|$)/gm;

const parsed = new Map<string, readonly TemplateNode[]>();

/** Parses a template (once per distinct source), throwing TemplateError when it is malformed. */
export function parseTemplate(source: string): readonly TemplateNode[] {
  let nodes = parsed.get(source);
  if (!nodes) {
    nodes = parse(source);
    parsed.set(source, nodes);
  }
  return nodes;
}

function parse(source: string): readonly TemplateNode[] {
  const text = source.replace(STANDALONE_SECTION_TAG, '$1');
  const root: TemplateNode[] = [];
  const open: { path: string; inverted: boolean; children: TemplateNode[]; parent: TemplateNode[] }[] = [];
  let current = root;
  let position = 0;

  const pushText = (value: string) => {
    if (value.includes('{{')) throw new TemplateError('Unterminated tag', `unterminated tag near "${excerpt(value)}"`);
    if (value) current.push({ type: 'text', text: value });
  };

  for (const match of text.matchAll(TAG)) {
    pushText(text.slice(position, match.index));
    position = match.index + match[0].length;
    const tag = TAG_BODY.exec(match[1] ?? '');
    if (!tag) throw new TemplateError('Unsupported tag', `unsupported tag ${excerpt(match[0])}`);
    const [, sigil, path = ''] = tag;
    if (sigil === '#' || sigil === '^') {
      const section = { path, inverted: sigil === '^', children: [] as TemplateNode[], parent: current };
      open.push(section);
      current = section.children;
    } else if (sigil === '/') {
      const section = open.pop();
      if (!section) throw new TemplateError('Unbalanced section', `{{/${path}}} closes no section`);
      if (section.path !== path) throw new TemplateError('Unbalanced section', `{{/${path}}} closes {{${section.inverted ? '^' : '#'}${section.path}}}`);
      current = section.parent;
      current.push({ type: 'section', path, inverted: section.inverted, children: section.children });
    } else {
      current.push({ type: 'value', path });
    }
  }
  pushText(text.slice(position));
  const unclosed = open.at(-1);
  if (unclosed) throw new TemplateError('Unbalanced section', `{{${unclosed.inverted ? '^' : '#'}${unclosed.path}}} is never closed`);
  return root;
}

const excerpt = (value: string): string => (value.length > 40 ? `${value.slice(0, 40)}…` : value).replace(/\s+/g, ' ');

/** Renders a template against a view; throws TemplateError for malformed templates and unknown paths. */
export function renderTemplate(source: string, view: TemplateView, mode: TemplateMode): string {
  return renderNodes(parseTemplate(source), view, mode);
}

function renderNodes(nodes: readonly TemplateNode[], view: TemplateView, mode: TemplateMode): string {
  let output = '';
  for (const node of nodes) {
    if (node.type === 'text') {
      output += node.text;
    } else if (node.type === 'value') {
      output += formatValue(resolve(view, node.path), node.path, mode);
    } else if (isTruthy(resolve(view, node.path)) !== node.inverted) {
      output += renderNodes(node.children, view, mode);
    }
  }
  return output;
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

const isTruthy = (value: TemplateValue | undefined): boolean => Boolean(value);

function formatValue(value: TemplateValue | undefined, path: string, mode: TemplateMode): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') throw new TemplateError('Placeholder names an object', `${path}: names an object, not a value`);
  const text = String(value);
  return mode === 'html' ? escapeHtml(text) : text;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes the five characters that matter in HTML text and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
