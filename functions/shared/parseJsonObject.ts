/**
 * The parsed body when it is a JSON object; undefined for anything else (arrays, scalars, bad
 * JSON). The parser's own error is dropped on purpose: its message quotes the input, which may
 * hold contact details.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
