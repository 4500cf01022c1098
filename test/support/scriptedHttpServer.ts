/**
 * A real HTTP server on loopback whose answers a test scripts: the http channel's receiver (a CRM
 * that answers 503, then 200) and a fault-injecting proxy in front of aws-ses-v2-local (SES that
 * throttles, then accepts). Every request is recorded as received, so tests can check what went
 * over the wire.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ScriptedReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Answer only after this long (a slow receiver, for timeouts). */
  readonly delayMs?: number;
}

export interface ScriptedHttpServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Replies for the next requests, in order; once used up, the fallback answers. */
  script(...replies: ScriptedReply[]): void;
  stop(): Promise<void>;
}

/** `proxyTo` forwards unscripted requests to a real server and relays its answer. */
export type Fallback = ScriptedReply | { readonly proxyTo: string };

export async function startScriptedHttpServer(fallback: Fallback = { status: 200 }): Promise<ScriptedHttpServer> {
  const requests: RecordedRequest[] = [];
  const scripted: ScriptedReply[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const recorded = { method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers, body };
    requests.push(recorded);

    const reply = scripted.shift() ?? ('proxyTo' in fallback ? await forward(fallback.proxyTo, recorded) : fallback);
    const answer = () => {
      response.writeHead(reply.status, reply.headers);
      response.end(reply.body ?? '');
    };
    if (!reply.delayMs) return answer();
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer();
    }, reply.delayMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...replies) => void scripted.push(...replies),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function forward(target: string, request: RecordedRequest): Promise<ScriptedReply> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name !== 'host' && name !== 'content-length' && name !== 'connection' && typeof value === 'string') headers[name] = value;
  }
  const response = await fetch(`${target}${request.path}`, {
    method: request.method,
    headers,
    ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: request.body }),
  });
  return {
    status: response.status,
    headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' },
    body: await response.text(),
  };
}

/** An SES v2 (restJson) error answer, as the SDK expects it: the error type in x-amzn-errortype. */
export const sesErrorReply = (status: number, errorType: string): ScriptedReply => ({
  status,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': errorType },
  body: JSON.stringify({ message: `Scripted ${errorType}` }),
});

/** A loopback port nothing listens on: connections to it are refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
