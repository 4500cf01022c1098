/**
 * Text fit for a message: NFC (so a name typed with combining accents renders like the precomposed
 * one), lone surrogates replaced, whitespace collapsed to single spaces; null when nothing is left.
 * For labels the marketer controls (campaign, tier, banner, product names); a customer's own name
 * goes through displayName, which is stricter.
 */
export function displayText(value: string | null | undefined): string | null {
  if (!value) return null;
  const text = value.toWellFormed().normalize('NFC').replace(/\s+/gu, ' ').trim();
  return text === '' ? null : text;
}
