import { SecretNotConfiguredError, SecretUnavailableError } from './errors.ts';

/** The secrets a signature may be made with: more than one while a rotation is in progress. */
export interface SigningSecrets {
  /** Resolves the active secrets, or rejects with SecretNotConfiguredError / SecretUnavailableError. */
  current(): Promise<readonly string[]>;
}

/** How long a cached secret may still be used when Secrets Manager cannot be reached. */
export const MAX_STALE_SECRET_MS = 60 * 60 * 1000;

/** Splits a comma-separated list of secrets; blanks are dropped so a stray comma is harmless. */
export function parseSecretList(value: string): string[] {
  return value
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret.length > 0);
}

export function staticSigningSecrets(value: string | undefined): SigningSecrets {
  const secrets = value === undefined ? [] : parseSecretList(value);
  const result = Promise.resolve(secrets);
  if (secrets.length === 0) {
    const missing = Promise.reject(
      new SecretNotConfiguredError('No webhook signing secret: set VOUCHERIFY_WEBHOOK_SECRET or VOUCHERIFY_WEBHOOK_SECRET_ARN'),
    );
    missing.catch(() => undefined);
    return { current: () => missing };
  }
  return { current: () => result };
}

export interface CachedSecretOptions {
  /** Reads the secret's current value, e.g. from Secrets Manager. */
  readonly fetchSecret: () => Promise<string>;
  readonly ttlMs: number;
  readonly maxStaleMs?: number;
  readonly now?: () => number;
  /** Told when a refresh failed and an older copy is served instead. */
  readonly onStaleServed?: (error: unknown) => void;
}

/**
 * Secrets fetched on first use and kept for `ttlMs`, so a rotation reaches running functions
 * within the TTL and needs no deploy. Concurrent callers share one fetch. If a refresh fails, the
 * previous value keeps being served for up to `maxStaleMs`: a Secrets Manager hiccup must not
 * turn into refused webhooks.
 */
export function cachedSigningSecrets(options: CachedSecretOptions): SigningSecrets {
  const now = options.now ?? Date.now;
  const maxStaleMs = options.maxStaleMs ?? MAX_STALE_SECRET_MS;
  let cached: { secrets: readonly string[]; fetchedAt: number } | undefined;
  let refreshing: Promise<readonly string[]> | undefined;

  const refresh = async (): Promise<readonly string[]> => {
    let value: string;
    try {
      value = await options.fetchSecret();
    } catch (error) {
      if (cached && now() - cached.fetchedAt <= maxStaleMs) {
        options.onStaleServed?.(error);
        return cached.secrets;
      }
      throw new SecretUnavailableError('Could not read the webhook signing secret', { cause: error });
    }
    const secrets = parseSecretList(value);
    if (secrets.length === 0) throw new SecretNotConfiguredError('The webhook signing secret is empty');
    cached = { secrets, fetchedAt: now() };
    return secrets;
  };

  return {
    current() {
      if (cached && now() - cached.fetchedAt < options.ttlMs) return Promise.resolve(cached.secrets);
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
  };
}
