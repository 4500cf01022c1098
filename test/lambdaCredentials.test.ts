/**
 * The credential provider the bundles use instead of the SDK's default chain
 * (functions/shared/lambdaCredentials.ts): the environment, as Lambda provides it, memoised the way
 * the chain it replaces is. The bundles themselves are checked in stack.synth.test.ts and run
 * against the local servers in invoke.test.ts.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { defaultProvider } from '../functions/shared/lambdaCredentials.ts';

const VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION'] as const;
let saved: Record<string, string | undefined>;

function setCredentials(accessKeyId: string | undefined, extra: Partial<Record<(typeof VARIABLES)[number], string>> = {}): void {
  for (const name of VARIABLES) delete process.env[name];
  if (accessKeyId === undefined) return;
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: `secret-of-${accessKeyId}`, ...extra });
}

beforeEach(() => {
  saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
});
afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('the environment-only credential provider', () => {
  test('resolves the execution role credentials Lambda puts in the environment', async () => {
    setCredentials('ASIAROLE', { AWS_SESSION_TOKEN: 'session-token' });
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAROLE',
      secretAccessKey: 'secret-of-ASIAROLE',
      sessionToken: 'session-token',
    });
  });

  test('reads the environment once, then serves the same credentials until asked to refresh', async () => {
    setCredentials('FIRST');
    const provide = defaultProvider();
    const first = await provide();
    setCredentials('SECOND');
    expect(await provide()).toBe(first);
    expect(await provide({ forceRefresh: true })).toMatchObject({ accessKeyId: 'SECOND' });
    expect(await provide()).toMatchObject({ accessKeyId: 'SECOND' });
  });

  test('reads again when the credentials are within five minutes of their expiry', async () => {
    setCredentials('EXPIRING', { AWS_CREDENTIAL_EXPIRATION: new Date(Date.now() + 60_000).toISOString() });
    const provide = defaultProvider();
    await provide();
    setCredentials('RENEWED', { AWS_CREDENTIAL_EXPIRATION: new Date(Date.now() + 3_600_000).toISOString() });
    expect(await provide()).toMatchObject({ accessKeyId: 'RENEWED' });
    setCredentials('LATER');
    expect(await provide()).toMatchObject({ accessKeyId: 'RENEWED' });
  });

  test('fails with the SDK’s own error when there are none, and does not remember the failure', async () => {
    setCredentials(undefined);
    const provide = defaultProvider();
    await expect(provide()).rejects.toMatchObject({
      name: 'CredentialsProviderError',
      message: expect.stringContaining('Unable to find environment variable credentials'),
    });
    setCredentials('LATE');
    await expect(provide()).resolves.toMatchObject({ accessKeyId: 'LATE' });
  });
});
