import { GetAccountCommand, type SESv2Client } from '@aws-sdk/client-sesv2';

export interface SesSendRateOptions {
  readonly client: SESv2Client;
  /** How long a rate read from SES is used before it is read again (quotas are raised on request). */
  readonly refreshMs: number;
  /** Told when GetAccount fails; the pacer then sends at the fallback rate until the next try. */
  readonly onUnavailable?: (error: unknown) => void;
  readonly now?: () => number;
}

/** A new SES account's rate outside the sandbox is higher; one per second is safe for any account. */
export const FALLBACK_SES_RATE = 1;
/** After a failed GetAccount, the next attempt waits this long. */
const RETRY_AFTER_FAILURE_MS = 60_000;

/**
 * The account's MaxSendRate from SES v2 GetAccount, read on first use and cached. A failure is not
 * fatal: the pacer runs at a rate every account allows until SES answers again.
 */
export function sesAccountSendRate(options: SesSendRateOptions): () => Promise<number> {
  const now = options.now ?? Date.now;
  let cached: { rate: number; until: number } | undefined;
  let reading: Promise<number> | undefined;

  const read = async (): Promise<number> => {
    try {
      const account = await options.client.send(new GetAccountCommand({}));
      const rate = account.SendQuota?.MaxSendRate;
      if (rate === undefined || !(rate > 0)) throw new Error('GetAccount returned no MaxSendRate');
      cached = { rate, until: now() + options.refreshMs };
    } catch (error) {
      options.onUnavailable?.(error);
      cached = { rate: FALLBACK_SES_RATE, until: now() + RETRY_AFTER_FAILURE_MS };
    }
    return cached.rate;
  };

  return () => {
    if (cached && now() < cached.until) return Promise.resolve(cached.rate);
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };
}
