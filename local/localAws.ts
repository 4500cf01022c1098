import { AWS_ENDPOINT_VARIABLES, type AwsServiceName } from '../functions/shared/settings.ts';

/**
 * Settings shared by every AWS SDK client that talks to a local stand-in: a fixed region and dummy
 * credentials, because the stand-ins accept any signature but the SDK insists on signing.
 */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export const localAwsClientConfig = () => ({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

/**
 * Environment for code that builds its own SDK clients from the environment (the Lambda handlers),
 * pointing each service at its local endpoint.
 */
export function localAwsEnvironment(endpoints: Partial<Record<AwsServiceName, string>>): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  for (const [service, variable] of Object.entries(AWS_ENDPOINT_VARIABLES) as [AwsServiceName, string][]) {
    const endpoint = endpoints[service];
    if (endpoint) env[variable] = endpoint;
  }
  return env;
}
