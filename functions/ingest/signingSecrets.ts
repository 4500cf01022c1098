import { type CachedSecretOptions, cachedSecret, parseSecretList } from '../shared/cachedSecret.ts';

export { parseSecretList };

import { SecretNotConfiguredError, SecretUnavailableError } from './errors.ts';

/** The secrets a signature may be made with: more than one while a rotation is in progress. */
export interface SigningSecrets {
  /** Resolves the active secrets, or rejects with SecretNotConfiguredError / SecretUnavailableError. */
  current(): Promise<readonly string[]>;
}

/** Secrets given directly (local runs); none at all fails closed on every request. */
export function staticSigningSecrets(value: string | undefined): SigningSecrets {
  const secrets = value === undefined ? [] : parseSecretList(value);
  if (secrets.length === 0) {
    return {
      current: () =>
        Promise.reject(
          new SecretNotConfiguredError('No webhook signing secret: set VOUCHERIFY_WEBHOOK_SECRET or VOUCHERIFY_WEBHOOK_SECRET_ARN'),
        ),
    };
  }
  return { current: () => Promise.resolve(secrets) };
}

export type CachedSigningSecretOptions = Omit<CachedSecretOptions<readonly string[]>, 'parse' | 'unavailableError'>;

/** The signing secrets from Secrets Manager, cached (see cachedSecret); an empty secret fails closed. */
export function cachedSigningSecrets(options: CachedSigningSecretOptions): SigningSecrets {
  return cachedSecret({
    ...options,
    parse: (value) => {
      const secrets = parseSecretList(value);
      if (secrets.length === 0) throw new SecretNotConfiguredError('The webhook signing secret is empty');
      return secrets;
    },
    unavailableError: (cause) => new SecretUnavailableError('Could not read the webhook signing secret', { cause }),
  });
}
