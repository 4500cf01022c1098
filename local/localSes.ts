/**
 * An SES v2-compatible server for local runs and integration tests: aws-ses-v2-local, on
 * loopback, reached through the real SESv2 SDK client. It keeps every mail it accepts and lists
 * them at GET /store (its web page at / shows them too), which is how tests read what was sent.
 *
 * Known differences from SES: it accepts any address (no sandbox, no verification), keeps no
 * configuration set or tags, and never throttles (GetAccount reports LOCAL_SES_MAX_SEND_RATE); its store is one per process, shared by every
 * server started in it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import sesV2Local from 'aws-ses-v2-local';
import { localAwsClientConfig } from './localAws.ts';

/** A mail as aws-ses-v2-local lists it at GET /store. */
export interface LocalSesEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: readonly string[]; readonly cc: readonly string[]; readonly bcc: readonly string[] };
  readonly subject: string;
  readonly body: { readonly html?: string; readonly text?: string };
  /** Epoch seconds. */
  readonly at: number;
}

export interface LocalSes {
  readonly endpoint: string;
  readonly port: number;
  /** A client for this server, configured like the functions' own when pointed at it. */
  client(): SESv2Client;
  /** Every mail accepted since start (or the last clear), oldest first. */
  sentEmails(): Promise<LocalSesEmail[]>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/** The sending rate the local account reports (GetAccount): a new production account's. */
export const LOCAL_SES_MAX_SEND_RATE = 14;

/** What aws-ses-v2-local answers GetAccount with; it reads AWS_SES_ACCOUNT when a request comes. */
const localAccount = (maxSendRate: number) => ({
  DedicatedIpAutoWarmupEnabled: false,
  Details: {
    AdditionalContactEmailAddresses: [],
    ContactLanguage: 'EN',
    MailType: 'MARKETING',
    ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
    UseCaseDescription: 'Local runs',
    WebsiteURL: 'https://shop.example',
  },
  EnforcementStatus: 'HEALTHY',
  ProductionAccessEnabled: true,
  SendingEnabled: true,
  SendQuota: { Max24HourSend: 50_000, MaxSendRate: maxSendRate, SentLast24Hours: 0 },
  SuppressionAttributes: { SuppressedReasons: [] },
});

export async function startLocalSes(options: { port?: number; host?: string } = {}): Promise<LocalSes> {
  // The account is read from the process environment, so it is one per process, like the store;
  // a value set before start (a test of another rate) is kept.
  process.env.AWS_SES_ACCOUNT ??= JSON.stringify(localAccount(LOCAL_SES_MAX_SEND_RATE));
  // The package is CommonJS with its server as `exports.default`.
  const server: Server = await sesV2Local.default({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  async function call(method: 'GET' | 'POST', path: string): Promise<unknown> {
    const response = await fetch(`${endpoint}${path}`, { method });
    if (!response.ok) throw new Error(`aws-ses-v2-local ${method} ${path} answered ${response.status}`);
    return response.json();
  }

  return {
    endpoint,
    port,
    client: () => new SESv2Client({ ...localAwsClientConfig(), endpoint }),
    sentEmails: async () => ((await call('GET', '/store')) as { emails: LocalSesEmail[] }).emails,
    clear: async () => {
      await call('POST', '/clear-store');
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
