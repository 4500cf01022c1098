import type { DistributionMessage } from './distributionMessage.ts';

/**
 * A mailbox for a From or Reply-To header: the display name quoted, or, when it is not ASCII,
 * written as RFC 2047 encoded words (SES leaves that to the sender), then the bare address. The
 * name never holds quotes, brackets or line breaks (functions/shared/settings.ts checks it).
 */
export function mailbox(name: string | undefined, address: string): string {
  if (!name) return address;
  return /^[\x20-\x7E]*$/.test(name) ? `"${name}" <${address}>` : `${encodedWords(name)} <${address}>`;
}

/** Base64 encoded words of at most 75 characters each, never splitting a character across two. */
function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const character of text) {
    // 45 bytes of UTF-8 make 60 base64 characters: with "=?UTF-8?B?" and "?=", 72 of the 75 allowed.
    if (Buffer.byteLength(chunk + character) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += character;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join(' ');
}

/** The headers of a one-click unsubscribe (RFC 8058), which every message carries whatever its channel. */
export const unsubscribeHeaders = (message: Pick<DistributionMessage, 'unsubscribeUrl'>): Record<string, string> => ({
  'List-Unsubscribe': `<${message.unsubscribeUrl}>`,
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
});
