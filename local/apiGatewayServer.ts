/**
 * A local stand-in for the HTTP API: a node:http server on loopback that turns a request on one of
 * its routes (`POST /webhooks/voucherify` to the ingest, `GET`/`POST /unsubscribe` to the
 * unsubscribe function) into a real payload-2.0 event for the route's handler and its result into
 * the HTTP response, as API Gateway's Lambda proxy integration does. Other paths are 404 and other
 * methods on a route 405, with JSON bodies like the rest of the product.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { WEBHOOK_ROUTE } from '../functions/shared/settings.ts';
import { httpApiEvent, lambdaContext } from './lambdaEvents.ts';

/** API Gateway HTTP APIs refuse larger payloads before the function is invoked. */
const GATEWAY_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** The ingest function's timeout in the stack; the local server enforces the same budget. */
const INTEGRATION_TIMEOUT_MS = 10_000;

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalApiGateway {
  /** `http://127.0.0.1:<port>`: the stage's base URL. */
  readonly origin: string;
  /** The webhook route's URL, to paste where Voucherify's would go. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and waits for requests in flight to be answered. */
  stop(): Promise<void>;
}

function sendJson(response: ServerResponse, statusCode: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/**
 * The request body, or 'too_large' as soon as it is known to exceed the limit: at once from a
 * Content-Length over it, else when the bytes received pass it. Nothing more is read then; the
 * caller answers and closes the connection.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  if (Number(request.headers['content-length'] ?? 0) > limit) return Promise.resolve('too_large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData).pause();
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

function writeIntegrationResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string | number> = { 'content-length': body.length };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(body);
}

export interface LocalRoute {
  readonly methods: readonly string[];
  readonly path: string;
  readonly handler: HttpApiHandler;
}

export async function startLocalApiGateway(options: {
  port: number;
  routes: readonly LocalRoute[];
  /** API Gateway's own limit unless given (tests use a small one). */
  maxPayloadBytes?: number;
  /** Called with each request's outcome, for the runner's own log. */
  onRequest?: (summary: { method: string; path: string; status: number; durationMs: number }) => void;
}): Promise<LocalApiGateway> {
  const server: Server = createServer(async (request, response) => {
    const started = performance.now();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const finish = () =>
      options.onRequest?.({ method, path: url.pathname, status: response.statusCode, durationMs: performance.now() - started });
    response.on('finish', finish);

    const route = options.routes.find((candidate) => candidate.path === url.pathname);
    if (!route) return sendJson(response, 404, { error: 'not_found' });
    if (!route.methods.includes(method))
      return sendJson(response, 405, { error: 'method_not_allowed' }, { allow: route.methods.join(', ') });

    const body = await readBody(request, options.maxPayloadBytes ?? GATEWAY_MAX_PAYLOAD_BYTES);
    // As API Gateway does, and the rest of the body is never read: the connection is closed after the answer.
    if (body === 'too_large') return sendJson(response, 413, { message: 'Request Entity Too Large' }, { connection: 'close' });
    const event = httpApiEvent({
      method,
      path: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: request.headers,
      body,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    });
    try {
      const result = await route.handler(event, lambdaContext(route.path, INTEGRATION_TIMEOUT_MS));
      writeIntegrationResult(response, result);
    } catch {
      // What API Gateway answers when the integration itself fails.
      sendJson(response, 500, { message: 'Internal Server Error' });
    }
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}${WEBHOOK_ROUTE.path}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
