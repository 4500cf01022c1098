/**
 * Reading configuration from environment variables. Each function reads its whole configuration
 * once, at start-up, through these helpers (see `functions/<name>/config.ts`), so a bad value is
 * reported once with the variable's name instead of failing somewhere deep in a request.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.variable = variable;
  }
}

/** The trimmed value, or `undefined` when unset or blank (a blank variable is as good as unset). */
export function readOptionalString(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function readRequiredString(env: Environment, name: string): string {
  const value = readOptionalString(env, name);
  if (value === undefined) throw new ConfigurationError(name, 'is required');
  return value;
}

export function readInteger(
  env: Environment,
  name: string,
  fallback: number,
  bounds: { min: number; max: number },
): number {
  const raw = readOptionalString(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigurationError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < bounds.min || value > bounds.max) {
    throw new ConfigurationError(name, `must be between ${bounds.min} and ${bounds.max}, got ${value}`);
  }
  return value;
}

export function readChoice<const TChoice extends string>(
  env: Environment,
  name: string,
  choices: readonly TChoice[],
  fallback: TChoice,
): TChoice {
  const raw = readOptionalString(env, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigurationError(name, `must be one of ${choices.join(', ')}, got "${raw}"`);
  }
  return raw as TChoice;
}

export function readUrl(env: Environment, name: string): URL | undefined {
  const raw = readOptionalString(env, name);
  if (raw === undefined) return undefined;
  try {
    return new URL(raw);
  } catch {
    throw new ConfigurationError(name, `must be an absolute URL, got "${raw}"`);
  }
}
