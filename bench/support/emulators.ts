/**
 * The local stand-ins every benchmark talks to (fauxqs, dynalite, aws-ses-v2-local), in the
 * conducting process, so their CPU is never charged to a function measured: each function runs in a
 * process of its own, and on AWS those services are someone else's machines too. Each is served over
 * HTTPS, as AWS is, through a TLS terminator with a throwaway certificate: over plain HTTP the SDK's
 * first request would import node:http, a cold-start cost no function pays against AWS, and a
 * function's memory would lack its TLS client.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { LOCAL_ACCOUNT_ID, localAwsEnvironment } from '../../local/localAws.ts';
import { startLocalDynamo } from '../../local/localDynamo.ts';
import { startLocalSes } from '../../local/localSes.ts';
import { startLocalSqs } from '../../local/localSqs.ts';

export const BENCH_QUEUES = { webhooks: 'bench-webhooks', deadLetters: 'bench-webhooks-dlq' } as const;
export const BENCH_TABLE = 'bench-idempotency';
export const BENCH_UNSUBSCRIBE_TABLE = 'bench-unsubscribes';

export interface Emulators {
  /** AWS_REGION, dummy credentials, AWS_ENDPOINT_URL_* and the certificate to trust: what a function's process needs. */
  readonly environment: Readonly<Record<string, string>>;
  queueUrl(name: string): string;
  /** Empties the queues and the SES store, so nothing grows from round to round. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmulators(): Promise<Emulators> {
  const sqs = await startLocalSqs({ queues: Object.values(BENCH_QUEUES).map((name) => ({ name })) });
  const dynamo = await startLocalDynamo();
  await dynamo.createIdempotencyTable(BENCH_TABLE);
  await dynamo.createUnsubscribeTable(BENCH_UNSUBSCRIBE_TABLE);
  const ses = await startLocalSes();

  const directory = mkdtempSync(join(tmpdir(), 'bench-tls-'));
  const [caFile, keyFile] = [join(directory, 'cert.pem'), join(directory, 'key.pem')];
  // prettier-ignore
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      caFile,
    ],
    { stdio: 'ignore' },
  );
  const servers: Server[] = [];
  const terminateTls = async (plainEndpoint: string): Promise<string> => {
    const port = Number(new URL(plainEndpoint).port);
    // No Nagle on either leg: a request written in two pieces would otherwise wait for a delayed ACK.
    const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile), noDelay: true }, (client) => {
      const upstream = connect({ port, host: '127.0.0.1', noDelay: true });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const endpoints = {
    sqs: await terminateTls(sqs.endpoint),
    dynamodb: await terminateTls(dynamo.endpoint),
    sesv2: await terminateTls(ses.endpoint),
  };

  const admin = sqs.client();
  return {
    environment: { ...localAwsEnvironment(endpoints), NODE_EXTRA_CA_CERTS: caFile },
    queueUrl: (name) => `${endpoints.sqs}/${LOCAL_ACCOUNT_ID}/${name}`,
    async reset() {
      for (const name of Object.values(BENCH_QUEUES)) await admin.send(new PurgeQueueCommand({ QueueUrl: sqs.queueUrl(name) }));
      await ses.clear();
    },
    async stop() {
      for (const server of servers) server.close();
      admin.destroy();
      await Promise.all([sqs.stop(), dynamo.stop(), ses.stop()]);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
