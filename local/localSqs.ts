/**
 * An SQS-compatible server for local runs and integration tests: fauxqs, spoken to over the real
 * SQS protocol by the same AWS SDK calls that run in production.
 *
 * fauxqs's own `startFauxqs` always listens on 0.0.0.0; building its app and listening here keeps
 * it on loopback. Queue URLs are path-style on 127.0.0.1 because fauxqs's default
 * `sqs.<region>.localhost` host names do not resolve on every machine.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { LOCAL_ACCOUNT_ID, localAwsClientConfig } from './localAws.ts';

export interface LocalQueueSpec {
  readonly name: string;
  /** SQS queue attributes, e.g. VisibilityTimeout. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Name of a queue declared earlier in the list that receives messages after `maxReceiveCount` receives. */
  readonly deadLetter?: { readonly queueName: string; readonly maxReceiveCount: number };
}

export interface LocalSqs {
  readonly endpoint: string;
  readonly port: number;
  queueUrl(name: string): string;
  /** A client for this server, configured like the functions' own when pointed at it. */
  client(): SQSClient;
  /**
   * Takes the endpoint down the way an SQS outage looks to its clients: new connections are
   * refused and open ones are cut, while the messages already stored stay stored, as they do in
   * SQS when it cannot be reached. resume() listens again on the same port.
   */
  interrupt(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalSqs(options: { port?: number; host?: string; queues: readonly LocalQueueSpec[] }): Promise<LocalSqs> {
  const app = buildApp({ logger: false });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fauxqs did not report a TCP address');
  const endpoint = `http://127.0.0.1:${address.port}`;
  const queueUrl = (name: string) => `${endpoint}/${LOCAL_ACCOUNT_ID}/${name}`;
  const client = () => new SQSClient({ ...localAwsClientConfig(), endpoint });

  const admin = client();
  try {
    for (const queue of options.queues) {
      const attributes: Record<string, string> = { ...queue.attributes };
      if (queue.deadLetter) {
        const dlq = await admin.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl(queue.deadLetter.queueName), AttributeNames: ['QueueArn'] }),
        );
        attributes.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: dlq.Attributes?.QueueArn,
          maxReceiveCount: queue.deadLetter.maxReceiveCount,
        });
      }
      await admin.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: attributes }));
    }
  } catch (error) {
    await app.close();
    throw error;
  } finally {
    admin.destroy();
  }

  // Closing only the HTTP server keeps fauxqs's stores (and so every message) in this process.
  const server = app.server;
  let interrupted = false;
  return {
    endpoint,
    port: address.port,
    queueUrl,
    client,
    interrupt: async () => {
      if (interrupted) return;
      interrupted = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    resume: async () => {
      if (!interrupted) return;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(address.port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      interrupted = false;
    },
    stop: async () => {
      if (interrupted) {
        // fastify closes its server itself and would fail on one that is not listening.
        await app.close().catch(() => undefined);
        return;
      }
      await app.close();
    },
  };
}
