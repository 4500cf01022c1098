/**
 * A delivery provider that holds its callers to a sending rate, as SES and ESPs do, for load runs
 * of the whole pipeline (`npm run load -- --provider-rate R`). Two flavours on loopback:
 *
 * - `http`: the http channel's receiver. A POST of a forwarded message is answered 202 within the
 *   rate and 429 with `Retry-After: 1` above it; with a signing secret, one whose signature does not
 *   verify is answered 401.
 * - `ses`: the part of the SES v2 API the ses channel uses, on its real protocol (REST-JSON), so
 *   the SESv2 SDK client talks to it unchanged: SendEmail (POST /v2/email/outbound-emails) answers
 *   200 {MessageId} within the rate and 429 TooManyRequestsException above it; GetAccount
 *   (GET /v2/email/account) answers the account with MaxSendRate = the rate.
 *
 * The rate is a token bucket (local/tokenBucket.ts) that holds a fifth of a second's sending
 * (at least one message) unless `burst` says otherwise: enough for a few senders each pacing
 * itself at its share of the rate to meet at the same moment, too little to hide a sender that
 * does not pace. A throttled request takes no token. Every accepted message and every throttled
 * answer is recorded with its time, so a load run can count deliveries and duplicates and draw
 * them per second.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FORWARD_HEADERS, forwardSignature } from '../functions/distribute/httpChannel.ts';
import { tokenBucket } from './tokenBucket.ts';

export type ProviderFlavour = 'http' | 'ses';

/** The share of a second's sending the bucket holds by default. */
export const DEFAULT_BURST_SECONDS = 0.2;
/** The SES v2 paths the ses flavour serves. */
export const SES_SEND_EMAIL_PATH = '/v2/email/outbound-emails';
export const SES_ACCOUNT_PATH = '/v2/email/account';
/** Where the http flavour takes forwarded messages. */
export const HTTP_MESSAGES_PATH = '/messages';

export interface ThrottlingProviderOptions {
  readonly flavour: ProviderFlavour;
  readonly ratePerSecond: number;
  /** Messages the provider takes at once after being idle; DEFAULT_BURST_SECONDS of the rate unless given. */
  readonly burst?: number;
  /** http flavour: verify each message's signature with this secret (see forwardSignature). */
  readonly signingSecret?: string;
  /** Epoch milliseconds; Date.now unless given. */
  readonly now?: () => number;
  readonly port?: number;
}

/** A message the provider accepted. */
export interface ProviderDelivery {
  /** The send-out's envelope id: the http channel's idempotency key, the ses channel's envelope_id tag. */
  readonly sendOutId: string;
  /** The Voucherify event id, where the request carries it (http only). */
  readonly eventId: string | undefined;
  readonly atMs: number;
}

export interface ThrottlingProvider {
  readonly flavour: ProviderFlavour;
  readonly ratePerSecond: number;
  /** The http flavour's forward URL; the ses flavour's endpoint. */
  readonly url: string;
  readonly deliveries: readonly ProviderDelivery[];
  /** When each request above the rate was answered 429. */
  readonly throttledAtMs: readonly number[];
  /** Requests refused for good (bad signature, unreadable body, unknown path): none in a healthy run. */
  readonly refused: number;
  stop(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** What a request asks for, once read: a message to accept (if within the rate), or an answer as it is. */
type Reading = { readonly message: Omit<ProviderDelivery, 'atMs'>; readonly accepted: Answer } | { readonly answer: Answer };

export async function startThrottlingProvider(options: ThrottlingProviderOptions): Promise<ThrottlingProvider> {
  const now = options.now ?? Date.now;
  const bucket = tokenBucket({
    ratePerSecond: options.ratePerSecond,
    capacity: options.burst ?? Math.max(1, Math.ceil(options.ratePerSecond * DEFAULT_BURST_SECONDS)),
  });
  const deliveries: ProviderDelivery[] = [];
  const throttledAtMs: number[] = [];
  let refused = 0;
  const read = options.flavour === 'ses' ? sesReading(options.ratePerSecond, () => deliveries.length) : httpReading(options.signingSecret);

  const server = createServer(async (request, response) => {
    let body: string;
    try {
      body = await readBody(request);
    } catch {
      return;
    }
    const reading = read(request, body);
    if ('answer' in reading) {
      if (reading.answer.status >= 400) refused++;
      return send(response, reading.answer);
    }
    const atMs = now();
    if (!bucket.tryTake(atMs)) {
      throttledAtMs.push(atMs);
      return send(response, options.flavour === 'ses' ? SES_THROTTLED : HTTP_THROTTLED);
    }
    deliveries.push({ ...reading.message, atMs });
    send(response, reading.accepted);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    flavour: options.flavour,
    ratePerSecond: options.ratePerSecond,
    url: options.flavour === 'ses' ? origin : `${origin}${HTTP_MESSAGES_PATH}`,
    deliveries,
    throttledAtMs,
    get refused() {
      return refused;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

const HTTP_THROTTLED: Answer = { status: 429, headers: { 'retry-after': '1' }, body: { error: 'rate limit exceeded' } };

/** How SES v2 refuses a send above the account's maximum send rate. */
const SES_THROTTLED: Answer = sesError(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');

function sesError(status: number, errorType: string, message: string): Answer {
  return { status, headers: { 'x-amzn-ErrorType': errorType }, body: { message } };
}

function httpReading(signingSecret: string | undefined) {
  return (request: IncomingMessage, body: string): Reading => {
    if (request.method !== 'POST' || request.url !== HTTP_MESSAGES_PATH) return { answer: { status: 404 } };
    if (signingSecret !== undefined) {
      const timestamp = headerText(request, FORWARD_HEADERS.timestamp);
      if (headerText(request, FORWARD_HEADERS.signature) !== forwardSignature(timestamp, body, signingSecret)) {
        return { answer: { status: 401, body: { error: 'invalid signature' } } };
      }
    }
    const message = jsonObject(body);
    const sendOutId = headerText(request, FORWARD_HEADERS.idempotencyKey) || (typeof message?.id === 'string' ? message.id : '');
    if (!message || !sendOutId) return { answer: { status: 400, body: { error: 'not a forwarded message' } } };
    return {
      message: { sendOutId, eventId: typeof message.event_id === 'string' ? message.event_id : undefined },
      accepted: { status: 202 },
    };
  };
}

function sesReading(ratePerSecond: number, sentSoFar: () => number) {
  return (request: IncomingMessage, body: string): Reading => {
    const path = request.url?.split('?')[0];
    if (request.method === 'GET' && path === SES_ACCOUNT_PATH)
      return { answer: { status: 200, body: sesAccount(ratePerSecond, sentSoFar()) } };
    if (request.method !== 'POST' || path !== SES_SEND_EMAIL_PATH) {
      return { answer: sesError(404, 'NotFoundException', `${request.method} ${path} is not served here`) };
    }
    const input = jsonObject(body);
    const tags = Array.isArray(input?.EmailTags) ? (input.EmailTags as { Name?: unknown; Value?: unknown }[]) : [];
    const sendOutId = tags.find((tag) => tag?.Name === 'envelope_id')?.Value;
    if (typeof sendOutId !== 'string') return { answer: sesError(400, 'BadRequestException', 'The envelope_id tag is missing') };
    return { message: { sendOutId, eventId: undefined }, accepted: { status: 200, body: { MessageId: randomUUID() } } };
  };
}

/** GetAccount's answer for a production account sending at `ratePerSecond`. */
export function sesAccount(ratePerSecond: number, sentLast24Hours: number) {
  return {
    DedicatedIpAutoWarmupEnabled: false,
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    SendQuota: { Max24HourSend: ratePerSecond * 86_400, MaxSendRate: ratePerSecond, SentLast24Hours: sentLast24Hours },
    SuppressionAttributes: { SuppressedReasons: [] },
  };
}

function headerText(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return typeof value === 'string' ? value : '';
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, answer: Answer): void {
  const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    ...(body ? { 'content-type': 'application/json' } : {}),
    'content-length': Buffer.byteLength(body),
    ...answer.headers,
  });
  response.end(body);
}
