import type { Environment } from '../shared/env.ts';
import { readSecretString } from '../shared/secretsManagerSecret.ts';
import { loadIngestConfig } from './config.ts';
import type { ReceiveWebhookDependencies } from './receiveWebhook.ts';
import { cachedSigningSecrets, type SigningSecrets, staticSigningSecrets } from './signingSecrets.ts';
import { sqsWebhookQueue } from './webhookQueue.ts';

export interface IngestWiring {
  /** Told when a cached secret is served because Secrets Manager could not be read. */
  readonly onStaleSecret?: (error: unknown) => void;
}

/**
 * Builds the production dependencies from the environment. A secret given directly wins over a
 * Secrets Manager ARN, so a local run never reaches for AWS; with neither, every request is
 * refused with a 500 (fail closed) rather than accepted unverified.
 */
export function createIngestDependencies(env: Environment, wiring: IngestWiring = {}): ReceiveWebhookDependencies {
  const config = loadIngestConfig(env);
  let secrets: SigningSecrets;
  if (config.secretValue !== undefined || config.secretArn === undefined) {
    secrets = staticSigningSecrets(config.secretValue);
  } else {
    const secretArn = config.secretArn;
    secrets = cachedSigningSecrets({
      fetchSecret: () => readSecretString(secretArn),
      ttlMs: config.secretCacheTtlSeconds * 1000,
      ...(wiring.onStaleSecret ? { onStaleServed: wiring.onStaleSecret } : {}),
    });
  }
  return {
    secrets,
    queue: sqsWebhookQueue({ queueUrl: config.queueUrl, timeoutMs: config.enqueueTimeoutMs }),
    maxBodyBytes: config.maxBodyBytes,
    maxEventAgeSeconds: config.maxEventAgeSeconds,
  };
}
