import { escapeCharactersSqsRefuses } from '../functions/ingest/webhookQueue.ts';

describe('escapeCharactersSqsRefuses', () => {
  test('leaves a body SQS accepts exactly as it is', () => {
    const body = '{"name":"Zoë 🎉 \\u0000","tab":"a\\tb"}';
    expect(escapeCharactersSqsRefuses(body)).toBe(body);
  });

  test('writes U+FFFE and U+FFFF as escapes that parse to the same document', () => {
    const body = '{"name":"a\uFFFFb\uFFFE"}';
    const escaped = escapeCharactersSqsRefuses(body);
    expect(escaped).toBe('{"name":"a\\uFFFFb\\uFFFE"}');
    expect(JSON.parse(escaped)).toEqual(JSON.parse(body));
  });
});
