import { SecretNotConfiguredError, SecretUnavailableError } from '../functions/ingest/errors.ts';
import { cachedSigningSecrets, parseSecretList, staticSigningSecrets } from '../functions/ingest/signingSecrets.ts';

describe('parseSecretList', () => {
  test('splits a rotation list and drops blanks', () => {
    expect(parseSecretList(' new , old,, ')).toEqual(['new', 'old']);
  });
});

describe('staticSigningSecrets', () => {
  test('serves the configured secrets', async () => {
    await expect(staticSigningSecrets('a,b').current()).resolves.toEqual(['a', 'b']);
  });

  test.each([undefined, '', ' , '])('fails closed when the value is %p', async (value) => {
    await expect(staticSigningSecrets(value).current()).rejects.toBeInstanceOf(SecretNotConfiguredError);
  });
});

describe('cachedSigningSecrets', () => {
  let clock: number;
  let fetches: number;
  let next: () => Promise<string>;
  const now = () => clock;
  const fetchSecret = () => {
    fetches++;
    return next();
  };

  beforeEach(() => {
    clock = 1_000_000;
    fetches = 0;
    next = async () => 'first';
  });

  test('fetches once and serves the cached value within the TTL', async () => {
    const secrets = cachedSigningSecrets({ fetchSecret, ttlMs: 60_000, now });
    await expect(secrets.current()).resolves.toEqual(['first']);
    clock += 59_999;
    await expect(secrets.current()).resolves.toEqual(['first']);
    expect(fetches).toBe(1);
  });

  test('picks up a rotated value after the TTL, without a deploy', async () => {
    const secrets = cachedSigningSecrets({ fetchSecret, ttlMs: 60_000, now });
    await secrets.current();
    next = async () => 'second,first';
    clock += 60_000;
    await expect(secrets.current()).resolves.toEqual(['second', 'first']);
    expect(fetches).toBe(2);
  });

  test('shares one fetch between concurrent callers', async () => {
    let release!: (value: string) => void;
    next = () => new Promise((resolve) => (release = resolve));
    const secrets = cachedSigningSecrets({ fetchSecret, ttlMs: 60_000, now });
    const both = Promise.all([secrets.current(), secrets.current()]);
    release('only');
    await expect(both).resolves.toEqual([['only'], ['only']]);
    expect(fetches).toBe(1);
  });

  test('keeps serving the last value for a while when a refresh fails, and says so', async () => {
    const stale: unknown[] = [];
    const secrets = cachedSigningSecrets({ fetchSecret, ttlMs: 1000, maxStaleMs: 10_000, now, onStaleServed: (e) => stale.push(e) });
    await secrets.current();
    next = async () => {
      throw new Error('throttled');
    };
    clock += 5_000;
    await expect(secrets.current()).resolves.toEqual(['first']);
    expect(stale).toHaveLength(1);
  });

  test('reports the secret unavailable once the cached value is too old', async () => {
    const secrets = cachedSigningSecrets({ fetchSecret, ttlMs: 1000, maxStaleMs: 10_000, now });
    await secrets.current();
    next = async () => {
      throw new Error('down');
    };
    clock += 10_001;
    await expect(secrets.current()).rejects.toBeInstanceOf(SecretUnavailableError);
  });

  test('reports the secret unavailable when the first fetch fails, and retries on the next call', async () => {
    next = async () => {
      throw new Error('down');
    };
    const secrets = cachedSigningSecrets({ fetchSecret, ttlMs: 1000, now });
    await expect(secrets.current()).rejects.toBeInstanceOf(SecretUnavailableError);
    next = async () => 'back';
    await expect(secrets.current()).resolves.toEqual(['back']);
  });

  test('fails closed when the stored secret is empty', async () => {
    next = async () => ' ';
    const secrets = cachedSigningSecrets({ fetchSecret, ttlMs: 1000, now });
    await expect(secrets.current()).rejects.toBeInstanceOf(SecretNotConfiguredError);
  });
});
