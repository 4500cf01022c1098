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
export function localAwsEnvironment(endpoints: { sqs?: string; dynamodb?: string; sesv2?: string }): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  if (endpoints.sqs) env.AWS_ENDPOINT_URL_SQS = endpoints.sqs;
  if (endpoints.dynamodb) env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb;
  if (endpoints.sesv2) env.AWS_ENDPOINT_URL_SESV2 = endpoints.sesv2;
  return env;
}
