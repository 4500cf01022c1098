/**
 * The AWS credential provider inside the deployed bundles: lib/BundledFunction.ts makes esbuild
 * substitute this module for `@aws-sdk/credential-provider-node`, the SDK's default chain, in every
 * client the functions create. It reads the credentials from the environment, which is where Lambda
 * puts the execution role's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN) before the code starts.
 *
 * Why: the default chain drags in the SSO, login, INI, process, web-identity, container and
 * instance-metadata providers and the STS/SSO/sign-in clients they call, about a third of the
 * ingest bundle, none of which can run in Lambda. V8 parses every byte of a bundle before its first
 * line runs, so they were the largest cold-start cost under our control (BENCHMARKS.md, "Cold start").
 *
 * Only the bundles use it: the tests, `npm start` and the in-process benchmarks import the sources,
 * which keep the SDK's default chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { defaultProvider as sdkDefaultProvider } from '@aws-sdk/credential-provider-node';

type AwsCredentialIdentity = Awaited<ReturnType<ReturnType<typeof sdkDefaultProvider>>>;

/** Credentials this close to their expiry are read again, as the SDK's own chain does. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;

const isFresh = (credentials: AwsCredentialIdentity, now: number): boolean =>
  credentials.expiration === undefined || credentials.expiration.getTime() - now > REFRESH_BEFORE_EXPIRY_MS;

/**
 * Same signature as the SDK's default chain, so the substitution is checked by the compiler. Like
 * the chain it is memoised (the SDK does not memoise a default provider itself): the variables are
 * read once, again only when asked to refresh or near an expiry, and a failure is not remembered.
 */
export const defaultProvider: typeof sdkDefaultProvider = (init = {}) => {
  const readEnvironment = fromEnv(init);
  let cached: { readonly credentials: AwsCredentialIdentity } | undefined;
  return async (options) => {
    if (cached && !options?.forceRefresh && isFresh(cached.credentials, Date.now())) return cached.credentials;
    const credentials = await readEnvironment(options);
    cached = { credentials };
    return credentials;
  };
};
