/**
 * A real HTTP server on loopback whose answers a test scripts: the http channel's receiver (a CRM
 * that answers 503, then 200) and a fault-injecting proxy in front of aws-ses-v2-local (SES that
 * throttles, then accepts) or dynalite. Every request is recorded as received, so tests can check
 * what went over the wire, and every answer the client was still there to get is recorded as
 * answered: a request whose client died first (a killed worker) was not delivered. It can also
 * hold requests unanswered (a receiver or a database that hangs) and cut connections instead of
 * answering (an answer lost on the way back).
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
  /** Cut the connection instead of answering: the request was handled, the answer is lost. */
  readonly drop?: boolean;
}

/** A request answered in full while its client was still connected. */
export interface AnsweredRequest extends RecordedRequest {
  readonly status: number;
}

export interface ScriptedHttpServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly answered: AnsweredRequest[];
  /** Requests held now whose clients are still waiting. */
  readonly held: number;
  /** Replies for the next requests, in order; once used up, the fallback answers. */
  script(...replies: ScriptedReply[]): void;
  /**
   * From now on, requests for which `which` is true (all by default) get no answer until
   * release(). A held request whose client goes away is dropped: never answered, never forwarded.
   */
  hold(which?: (request: RecordedRequest) => boolean): void;
  /** Stops holding and lets the held requests whose clients are still waiting be answered. */
  release(): void;
  stop(): Promise<void>;
}

/** Forwards the request to a real server and relays its answer (or, with `drop`, cuts the connection instead). */
export interface ProxyReply {
  readonly proxyTo: string;
  readonly drop?: boolean;
}

/** How unscripted requests are answered: always the same way, or decided per request. */
export type Fallback = ScriptedReply | ProxyReply | ((request: RecordedRequest) => ScriptedReply | ProxyReply);

export async function startScriptedHttpServer(fallback: Fallback = { status: 200 }): Promise<ScriptedHttpServer> {
  const requests: RecordedRequest[] = [];
  const answered: AnsweredRequest[] = [];
  const scripted: ScriptedReply[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let holding: ((request: RecordedRequest) => boolean) | undefined;
  const waiting = new Set<() => void>();

  const server = createServer(async (request, response) => {
    let clientGone = false;
    response.on('close', () => {
      if (!response.writableFinished) clientGone = true;
    });
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const recorded = { method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers, body };
    requests.push(recorded);

    if (holding?.(recorded)) {
      await new Promise<void>((resolve) => {
        const stopWaiting = () => {
          waiting.delete(stopWaiting);
          resolve();
        };
        waiting.add(stopWaiting);
        response.on('close', stopWaiting);
      });
      if (clientGone) return;
    }

    const chosen = scripted.shift() ?? (typeof fallback === 'function' ? fallback(recorded) : fallback);
    const reply: ScriptedReply =
      'proxyTo' in chosen
        ? // A server behind the proxy that cannot be reached looks like one that cuts the connection.
          await forward(chosen.proxyTo, recorded).then(
            (relayed) => ({ ...relayed, drop: chosen.drop ?? false }),
            () => ({ status: 502, drop: true }),
          )
        : chosen;
    response.on('finish', () => {
      if (!clientGone) answered.push({ ...recorded, status: reply.status });
    });
    const answer = () => {
      if (clientGone) return;
      if (reply.drop) {
        response.socket?.destroy();
        return;
      }
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
    answered,
    get held() {
      return waiting.size;
    },
    script: (...replies) => void scripted.push(...replies),
    hold: (which = () => true) => {
      holding = which;
    },
    release: () => {
      holding = undefined;
      for (const stopWaiting of [...waiting]) stopWaiting();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        holding = undefined;
        for (const stopWaiting of [...waiting]) stopWaiting();
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
