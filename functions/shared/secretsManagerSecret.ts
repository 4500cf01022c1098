/**
 * Reads a secret's string value from AWS Secrets Manager. The SDK client is imported on first use
 * so that a function given its secret directly (local runs) never loads it, and its timeouts are
 * short: the ingest has to answer Voucherify within 10 seconds, and the distribute function holds
 * an idempotency lock while it waits.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

let client: SecretsManagerClient | undefined;

export async function readSecretString(secretArn: string): Promise<string> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  client ??= new SecretsManagerClient({
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
  });
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (result.SecretString === undefined) throw new Error('The secret has no string value');
  return result.SecretString;
}
