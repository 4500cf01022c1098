/**
 * Keeps a worker's sends at its share of the provider's rate.
 *
 * Every container paces itself at rate / WORKER_MAX_CONCURRENCY. The event source mapping never
 * runs more than that many invocations at once, and a Lambda container runs one invocation at a
 * time, so the containers together stay at or below the rate without talking to each other (a
 * shared token bucket would cost a DynamoDB write per mail). The price: while fewer containers are
 * busy than the maximum, the rate is not used to the full, which only matters for small send-outs
 * that finish quickly anyway.
 *
 * When the provider pushes back anyway (another sender on the same SES account, a provider that
 * counts differently), the pacer halves its rate and holds every send until the provider's
 * Retry-After has passed, then creeps back up with each send that goes through.
 */

export interface SendPacer {
  /**
   * Waits for the next send's turn. False, at once, when that turn would come after `startBy`
   * (epoch ms): the caller leaves the record for a later invocation instead of outrunning its timeout.
   */
  waitForTurn(startBy: number): Promise<boolean>;
  /** The provider asked us to slow down: halve the rate, and send nothing before `retryAfterMs` has passed. */
  throttled(retryAfterMs: number | undefined): void;
  /** A send went through: recover part of the rate given up. */
  delivered(): void;
  /** The provider's whole rate per second (all containers), when known: how fast a backlog drains. */
  totalRate(): Promise<number | undefined>;
}

export interface SendPacerOptions {
  /** The provider's rate per second across every container; undefined sends unpaced until pushed back. */
  readonly totalRate: () => Promise<number | undefined>;
  /** How many containers share the rate. */
  readonly concurrency: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Without a Retry-After, a throttled pacer holds its sends this long. */
const DEFAULT_PAUSE_MS = 1000;
/** A throttled pacer never drops below this share of its rate: it keeps probing. */
const MIN_RATE_SHARE = 1 / 16;
/** Each send that goes through wins back this share of the full rate. */
const RECOVERY_SHARE = 1 / 20;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSendPacer(options: SendPacerOptions): SendPacer {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  /** Fraction of the container's share currently used: 1 until the provider pushes back. */
  let speed = 1;
  /** The latest turn handed out: the next caller queues behind it. */
  let nextTurnAt = 0;
  let pausedUntil = 0;
  /** When the next send is due at an even spacing (the theoretical arrival time of GCRA). */
  let dueAt = Number.NEGATIVE_INFINITY;

  const intervalMs = async (): Promise<number> => {
    const rate = await options.totalRate();
    if (rate === undefined) return 0;
    return 1000 / ((rate / options.concurrency) * speed);
  };

  return {
    async waitForTurn(startBy) {
      let interval = await intervalMs();
      let turn = Math.max(now(), nextTurnAt, pausedUntil);
      if (turn > startBy) return false;
      // One send of credit: a container that sat idle between two batches (deleting, polling)
      // sends its first two at once instead of losing that time for good.
      nextTurnAt = Math.max(nextTurnAt, turn - interval) + interval;
      for (;;) {
        const current = now();
        if (turn > current) await sleep(turn - current);
        // A stalled event loop (or a throttle that came in meanwhile) can wake several callers at
        // once. Each one checks the spacing of the sends that really went (GCRA, the same one
        // send of tolerance): a timer that fires a little late costs no rate, and a stall lets
        // at most one send catch up.
        interval = await intervalMs();
        const earliest = Math.max(dueAt - interval, pausedUntil);
        if (now() >= earliest) break;
        if (earliest > startBy) return false;
        turn = earliest;
        nextTurnAt = Math.max(nextTurnAt, earliest + interval);
      }
      dueAt = Math.max(dueAt, now()) + interval;
      return true;
    },
    throttled(retryAfterMs) {
      speed = Math.max(MIN_RATE_SHARE, speed / 2);
      pausedUntil = Math.max(pausedUntil, now() + (retryAfterMs ?? DEFAULT_PAUSE_MS));
    },
    delivered() {
      speed = Math.min(1, speed + RECOVERY_SHARE);
    },
    totalRate: options.totalRate,
  };
}
