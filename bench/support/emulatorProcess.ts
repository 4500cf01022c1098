/**
 * Child process holding the local stand-ins a benchmark talks to (fauxqs, dynalite, a local SES, a
 * plain HTTP receiver), so their CPU is not on the measured process: on Lambda, SQS and DynamoDB
 * are someone else's machines too. Started by emulators.ts; configured by BENCH_EMULATORS (JSON);
 * reports its endpoints over IPC and stops when told to or when the parent goes away.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { type LocalDynamo, startLocalDynamo } from '../../local/localDynamo.ts';
import { type LocalSes, startLocalSes } from '../../local/localSes.ts';
import { type LocalQueueSpec, type LocalSqs, startLocalSqs } from '../../local/localSqs.ts';

export interface EmulatorConfig {
  readonly queues?: readonly LocalQueueSpec[];
  readonly tableName?: string;
  readonly ses?: boolean;
  /** An HTTP endpoint that reads each request and answers 200, standing in for a CRM. */
  readonly httpReceiver?: boolean;
  /**
   * A minimal Secrets Manager (GetSecretValue only, any secret id, this string): there is no local
   * emulator on the registry we use, and the production ingest reads its signing secret this way.
   */
  readonly secretString?: string;
  /**
   * Serve the AWS stand-ins (SQS, Secrets Manager, DynamoDB, SES) over HTTPS, as AWS does (a TLS
   * terminator in front of each, with a throwaway self-signed certificate for 127.0.0.1 made by
   * openssl). Over plain HTTP the SDK imports `node:http` on the first request, which costs tens of
   * milliseconds here and never happens against AWS's HTTPS endpoints, and a function's memory
   * would not include the TLS client it runs with on AWS. The HTTP receiver stays plain.
   */
  readonly tls?: boolean;
}

export interface EmulatorEndpoints {
  readonly sqs?: string;
  readonly dynamodb?: string;
  readonly sesv2?: string;
  readonly receiverUrl?: string;
  readonly secretsManager?: string;
  /** With `tls`: the plain HTTP SQS endpoint, for the benchmark's own administration (purges). */
  readonly sqsPlain?: string;
  /** With `tls`: the certificate to trust (NODE_EXTRA_CA_CERTS). */
  readonly caFile?: string;
  readonly pid: number;
}

const config = JSON.parse(process.env.BENCH_EMULATORS ?? '{}') as EmulatorConfig;
const stops: (() => Promise<unknown>)[] = [];

/** Listens on a free loopback port, registers the server to be closed at the end, and returns the port. */
async function listenOnLoopback(server: Server | TlsServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // An HTTP server can drop its idle keep-alive connections; a TLS terminator's end with the parent's.
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

let sqs: LocalSqs | undefined;
if (config.queues?.length) {
  sqs = await startLocalSqs({ queues: config.queues });
  stops.push(() => sqs!.stop());
}
let dynamo: LocalDynamo | undefined;
if (config.tableName) {
  dynamo = await startLocalDynamo();
  await dynamo.createIdempotencyTable(config.tableName);
  stops.push(() => dynamo!.stop());
}
let ses: LocalSes | undefined;
if (config.ses) {
  ses = await startLocalSes();
  stops.push(() => ses!.stop());
}
let receiver: Server | undefined;
if (config.httpReceiver) {
  receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-length': '0' }).end());
  });
  receiver.keepAliveTimeout = 60_000;
  await listenOnLoopback(receiver);
}

let secrets: Server | undefined;
if (config.secretString !== undefined) {
  const secretString = config.secretString;
  secrets = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (target !== 'secretsmanager.GetSecretValue') {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end('{"__type":"InvalidRequestException"}');
        return;
      }
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId: string };
      const body = JSON.stringify({ ARN: SecretId, Name: 'bench', VersionId: 'v1', SecretString: secretString, CreatedDate: Date.now() / 1000 });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  });
  await listenOnLoopback(secrets);
}

let secretsManager = secrets ? `http://127.0.0.1:${(secrets.address() as AddressInfo).port}` : undefined;
let sqsEndpoint = sqs?.endpoint;
let dynamodbEndpoint = dynamo?.endpoint;
let sesEndpoint = ses?.endpoint;
let caFile: string | undefined;
if (config.tls) {
  const directory = mkdtempSync(join(tmpdir(), 'bench-tls-'));
  stops.push(async () => rmSync(directory, { recursive: true, force: true }));
  caFile = join(directory, 'cert.pem');
  const keyFile = join(directory, 'key.pem');
  try {
    // prettier-ignore
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', caFile], { stdio: 'ignore' });
  } catch (error) {
    throw new Error('The HTTPS stand-ins need the openssl command to make their certificate (Debian: apt install openssl)', { cause: error });
  }
  const tlsOptions = { key: readFileSync(keyFile), cert: readFileSync(caFile) };
  /** An HTTPS endpoint for a plain HTTP one: TLS terminated here, bytes piped to the loopback port. */
  const terminateTls = async (plainEndpoint: string): Promise<string> => {
    const port = Number(new URL(plainEndpoint).port);
    // noDelay on both legs: with Nagle's algorithm a request written in two pieces (headers, body)
    // waits for the delayed ACK of the first, ~40 ms, which no AWS endpoint adds.
    const server: TlsServer = createTlsServer({ ...tlsOptions, noDelay: true }, (client) => {
      const upstream = connect({ port, host: '127.0.0.1', noDelay: true });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    return `https://127.0.0.1:${await listenOnLoopback(server)}`;
  };
  if (sqsEndpoint) sqsEndpoint = await terminateTls(sqsEndpoint);
  if (secretsManager) secretsManager = await terminateTls(secretsManager);
  if (dynamodbEndpoint) dynamodbEndpoint = await terminateTls(dynamodbEndpoint);
  if (sesEndpoint) sesEndpoint = await terminateTls(sesEndpoint);
}

const endpoints: EmulatorEndpoints = {
  pid: process.pid,
  ...(sqsEndpoint ? { sqs: sqsEndpoint } : {}),
  ...(config.tls && sqs ? { sqsPlain: sqs.endpoint } : {}),
  ...(caFile ? { caFile } : {}),
  ...(dynamodbEndpoint ? { dynamodb: dynamodbEndpoint } : {}),
  ...(sesEndpoint ? { sesv2: sesEndpoint } : {}),
  ...(receiver ? { receiverUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks` } : {}),
  ...(secretsManager ? { secretsManager } : {}),
};

async function stopAll(): Promise<never> {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  process.exit(0);
}

process.on('message', (message: { type?: string }) => {
  if (message?.type === 'stop') void stopAll();
  if (message?.type === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage() });
});
process.on('disconnect', () => void stopAll());
process.send?.({ type: 'ready', endpoints });
