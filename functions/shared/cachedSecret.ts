/**
 * Splits a comma-separated list of secrets (several are active during a rotation: the first is the
 * current one); blanks are dropped so a stray comma is harmless.
 */
export function parseSecretList(value: string): string[] {
  return value
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret.length > 0);
}

/** How long a cached secret may still be used when Secrets Manager cannot be reached. */
export const MAX_STALE_SECRET_MS = 60 * 60 * 1000;

export interface CachedSecretOptions<TValue> {
  /** Reads the secret's current value, e.g. from Secrets Manager. */
  readonly fetchSecret: () => Promise<string>;
  /** Turns the fetched string into what is served; throws to refuse it, and nothing is cached. */
  readonly parse: (value: string) => TValue;
  /** The error to throw when the secret cannot be fetched and no recent enough copy is cached. */
  readonly unavailableError: (cause: unknown) => Error;
  readonly ttlMs: number;
  readonly maxStaleMs?: number;
  readonly now?: () => number;
  /** Told when a refresh failed and an older copy is served instead. */
  readonly onStaleServed?: (error: unknown) => void;
}

export interface CachedSecret<TValue> {
  current(): Promise<TValue>;
}

/**
 * A secret fetched on first use and kept for `ttlMs`, so a rotation reaches running functions
 * within the TTL and needs no deploy. Concurrent callers share one fetch. If a refresh fails, the
 * previous value keeps being served for up to `maxStaleMs`: a Secrets Manager hiccup must not
 * turn into refused webhooks or undelivered messages. A value that `parse` refuses is never
 * served from the stale copy: a secret emptied on purpose takes effect at once.
 */
export function cachedSecret<TValue>(options: CachedSecretOptions<TValue>): CachedSecret<TValue> {
  const now = options.now ?? Date.now;
  const maxStaleMs = options.maxStaleMs ?? MAX_STALE_SECRET_MS;
  let cached: { value: TValue; fetchedAt: number } | undefined;
  let refreshing: Promise<TValue> | undefined;

  const refresh = async (): Promise<TValue> => {
    let raw: string;
    try {
      raw = await options.fetchSecret();
    } catch (error) {
      if (cached && now() - cached.fetchedAt <= maxStaleMs) {
        options.onStaleServed?.(error);
        return cached.value;
      }
      throw options.unavailableError(error);
    }
    const value = options.parse(raw);
    cached = { value, fetchedAt: now() };
    return value;
  };

  return {
    current() {
      if (cached && now() - cached.fetchedAt < options.ttlMs) return Promise.resolve(cached.value);
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
  };
}
