import fc from 'fast-check';
import { TemplateError } from '../functions/distribute/errors.ts';
import { escapeHtml, parseTemplate, renderTemplate, type TemplateView } from '../functions/distribute/renderTemplate.ts';

const view: TemplateView = {
  customer: { name: 'Zoë <b>&</b> "Co"', first_name: null },
  voucher: null,
  count: 0,
  flag: true,
};

describe('renderTemplate', () => {
  test('escapes values in HTML and leaves them verbatim in text', () => {
    expect(renderTemplate('<p>{{customer.name}}</p>', view, 'html')).toBe('<p>Zoë &lt;b&gt;&amp;&lt;/b&gt; &quot;Co&quot;</p>');
    expect(renderTemplate('{{customer.name}}', view, 'text')).toBe('Zoë <b>&</b> "Co"');
  });

  test('never escapes the template itself, only the values put into it', () => {
    expect(renderTemplate('<a href="x">{{ customer.name }}</a> & more', { customer: { name: "O'Neil" } }, 'html')).toBe(
      '<a href="x">O&#39;Neil</a> & more',
    );
  });

  test('renders a section when its value is truthy and an inverted section when it is falsy', () => {
    const template =
      '{{#customer.first_name}}Hi {{customer.first_name}}{{/customer.first_name}}{{^customer.first_name}}Hello there{{/customer.first_name}}';
    expect(renderTemplate(template, view, 'text')).toBe('Hello there');
    expect(renderTemplate(template, { customer: { first_name: 'Ana' } }, 'text')).toBe('Hi Ana');
  });

  test.each([
    ['null', null, false],
    ['false', false, false],
    ['an empty string', '', false],
    ['zero', 0, false],
    ['a string', 'x', true],
    ['true', true, true],
    ['an object', { a: 1 }, true],
  ])('treats %s as %p', (_name, value, truthy) => {
    expect(renderTemplate('{{#v}}yes{{/v}}{{^v}}no{{/v}}', { v: value as TemplateView[string] }, 'text')).toBe(truthy ? 'yes' : 'no');
  });

  test('renders values below a null or false parent as empty instead of failing', () => {
    expect(renderTemplate('[{{voucher.code}}]', view, 'text')).toBe('[]');
  });

  test('renders numbers and nested sections', () => {
    expect(renderTemplate('{{#flag}}a{{^count}}b{{count}}{{/count}}{{/flag}}', view, 'text')).toBe('ab0');
  });

  test('removes a section tag that stands alone on its line, with the line break', () => {
    const template = 'Hello\n  {{#voucher}}\nCode: {{voucher.code}}\n  {{/voucher}}\n{{^voucher}}\nNo code\n{{/voucher}}\nBye\n';
    expect(renderTemplate(template, view, 'text')).toBe('Hello\nNo code\nBye\n');
    expect(renderTemplate(template, { voucher: { code: 'X1' } }, 'text')).toBe('Hello\nCode: X1\nBye\n');
  });

  test.each([
    ['an unknown placeholder', '{{customer.nickname}}', 'customer.nickname: unknown placeholder'],
    ['an unknown section', '{{#segment}}x{{/segment}}', 'segment: unknown placeholder'],
    ['a path through a value', '{{count.value}}', 'count.value: not an object before "value"'],
    ['a placeholder naming an object', '{{customer}}', 'customer: names an object, not a value'],
    ['a key of Object.prototype', '{{customer.constructor}}', 'customer.constructor: unknown placeholder'],
  ])('fails on %s with a TemplateError naming it', (_name, template, detail) => {
    expect(() => renderTemplate(template, view, 'html')).toThrow(TemplateError);
    expect(() => renderTemplate(template, view, 'html')).toThrow(expect.objectContaining({ detail }));
  });

  test.each([
    ['a section never closed', '{{#flag}}x'],
    ['a section closed twice', '{{#flag}}x{{/flag}}{{/flag}}'],
    ['sections closed in the wrong order', '{{#flag}}{{^count}}x{{/flag}}{{/count}}'],
    ['an unterminated tag', 'Hello {{customer.name'],
    ['a triple mustache', '{{{customer.name}}}'],
    ['a comment tag', '{{! note }}'],
    ['an empty tag', '{{}}'],
    ['a path with a space in it', '{{customer name}}'],
  ])('refuses %s when parsing, before any view is involved', (_name, template) => {
    expect(() => parseTemplate(template)).toThrow(TemplateError);
  });

  test('never lets a value open a tag or break out of HTML text, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        const html = renderTemplate('<p title="{{v}}">{{v}}</p>', { v: value }, 'html');
        expect(html).toBe(`<p title="${escapeHtml(value)}">${escapeHtml(value)}</p>`);
        expect(escapeHtml(value)).not.toMatch(/[<>"']/);
        expect(renderTemplate('{{v}}', { v: value }, 'text')).toBe(value);
      }),
    );
  });
});
