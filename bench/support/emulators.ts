/**
 * Starts the local stand-ins in their own process (see emulatorProcess.ts) and gives the benchmark
 * their endpoints, plus the environment the handlers read them from (AWS_ENDPOINT_URL_*), exactly
 * as the local stack does.
 */
import { fork } from 'node:child_process';
import { PurgeQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_ACCOUNT_ID, localAwsClientConfig, localAwsEnvironment } from '../../local/localAws.ts';
import type { EmulatorConfig, EmulatorEndpoints } from './emulatorProcess.ts';

export interface Emulators extends EmulatorEndpoints {
  queueUrl(name: string): string;
  /** AWS_REGION, dummy credentials and AWS_ENDPOINT_URL_* for every started service. */
  readonly environment: Record<string, string>;
  /** Empties a queue between rounds so its size does not drift during a benchmark. */
  purge(name: string): Promise<void>;
  /** User + system CPU microseconds the emulator process has used so far. */
  cpuUsage(): Promise<NodeJS.CpuUsage>;
  stop(): Promise<void>;
}

export async function startEmulators(config: EmulatorConfig): Promise<Emulators> {
  const child = fork(new URL('./emulatorProcess.ts', import.meta.url), [], {
    env: { ...process.env, BENCH_EMULATORS: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const endpoints = await new Promise<EmulatorEndpoints>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`The emulator process exited early (${code})`)));
    child.on('message', (message: { type?: string; endpoints?: EmulatorEndpoints }) => {
      if (message.type === 'ready' && message.endpoints) resolve(message.endpoints);
    });
  });
  child.removeAllListeners('exit');
  const queueUrlAt = (endpoint: string | undefined, name: string) => `${endpoint}/${LOCAL_ACCOUNT_ID}/${name}`;
  const queueUrl = (name: string) => queueUrlAt(endpoints.sqs, name);
  const adminEndpoint = endpoints.sqsPlain ?? endpoints.sqs;
  const admin = adminEndpoint ? new SQSClient({ ...localAwsClientConfig(), endpoint: adminEndpoint }) : undefined;
  return {
    ...endpoints,
    queueUrl,
    environment: {
      ...localAwsEnvironment({ sqs: endpoints.sqs, dynamodb: endpoints.dynamodb, sesv2: endpoints.sesv2 }),
      ...(endpoints.secretsManager ? { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager } : {}),
    },
    async purge(name) {
      await admin?.send(new PurgeQueueCommand({ QueueUrl: queueUrlAt(adminEndpoint, name) }));
    },
    cpuUsage: () =>
      new Promise((resolve) => {
        const listener = (message: { type?: string; usage?: NodeJS.CpuUsage }) => {
          if (message.type !== 'cpu' || !message.usage) return;
          child.off('message', listener);
          resolve(message.usage);
        };
        child.on('message', listener);
        child.send({ type: 'cpu' });
      }),
    async stop() {
      admin?.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}
