/**
 * A token bucket: tokens refill continuously at `ratePerSecond` up to `capacity`, and each request
 * that takes one is within the rate. The bucket starts full, so a provider that has been idle lets
 * one burst of `capacity` requests through before it holds callers to the rate.
 */
export interface TokenBucket {
  /** Takes a token if one is there: true within the rate, false above it. */
  tryTake(nowMs: number): boolean;
}

export function tokenBucket(options: { ratePerSecond: number; capacity: number }): TokenBucket {
  if (!(options.ratePerSecond > 0)) throw new Error(`ratePerSecond must be positive, got ${options.ratePerSecond}`);
  if (!(options.capacity >= 1)) throw new Error(`capacity must be at least 1, got ${options.capacity}`);
  let tokens = options.capacity;
  let refilledAt: number | undefined;
  return {
    tryTake(nowMs) {
      // A clock that steps back refills nothing until it is past the last refill again.
      if (refilledAt !== undefined && nowMs > refilledAt) {
        tokens = Math.min(options.capacity, tokens + ((nowMs - refilledAt) / 1000) * options.ratePerSecond);
      }
      refilledAt = Math.max(refilledAt ?? nowMs, nowMs);
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
