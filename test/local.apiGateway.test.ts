/**
 * The local stand-in for API Gateway (npm start): what reaches the ingest handler, and a body over
 * the gateway's limit refused without being read, by its Content-Length or as soon as the bytes
 * streamed in pass the limit.
 */
import { request } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type LocalApiGateway, startLocalApiGateway } from '../local/apiGatewayServer.ts';

let gateway: LocalApiGateway;
const invoked: APIGatewayProxyEventV2[] = [];

beforeAll(async () => {
  gateway = await startLocalApiGateway({
    port: 0,
    maxPayloadBytes: 4096,
    routes: [
      {
        methods: ['POST'],
        path: '/webhooks/voucherify',
        handler: async (event) => {
          invoked.push(event);
          return { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"status":"accepted"}' };
        },
      },
    ],
  });
});
afterAll(() => gateway.stop());
beforeEach(() => {
  invoked.length = 0;
});

/** Posts `chunks` one by one, `gapMs` apart, stopping once the gateway has answered; resolves with its answer and what was sent. */
function post(
  chunks: readonly Buffer[],
  headers: Record<string, string | number>,
  gapMs = 5,
): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    let gap: NodeJS.Timeout | undefined;
    const outgoing = request(gateway.url, { method: 'POST', headers }, (response) => {
      answered = true;
      // A long gap must not outlive the test: a pending timer keeps jest from exiting.
      clearTimeout(gap);
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => {
        outgoing.destroy();
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(parts).toString(), sent });
      });
    });
    outgoing.on('error', (error) => (answered ? undefined : reject(error)));
    const next = (index: number) => {
      if (answered) return outgoing.destroy();
      if (index === chunks.length) return outgoing.end();
      outgoing.write(chunks[index], () => {
        sent += chunks[index]!.length;
        gap = setTimeout(() => next(index + 1), gapMs);
      });
    };
    next(0);
  });
}

test('passes a request within the limit to the handler as a payload 2.0 event', async () => {
  const answer = await post([Buffer.from('{"a":1}')], { 'content-type': 'application/json', 'x-voucherify-signature': 'ab' });
  expect(answer).toMatchObject({ status: 202, body: '{"status":"accepted"}' });
  expect(invoked[0]).toMatchObject({ version: '2.0', body: '{"a":1}', headers: { 'x-voucherify-signature': 'ab' } });
});

test('refuses a body whose Content-Length is over the limit at once, before any of it arrives', async () => {
  const started = performance.now();
  // Declares 10 MB but sends one small chunk and then waits: the answer cannot depend on the rest.
  const answer = await post([Buffer.alloc(10)], { 'content-type': 'application/json', 'content-length': 10 * 1024 * 1024 }, 60_000);
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.body)).toEqual({ message: 'Request Entity Too Large' });
  expect(performance.now() - started).toBeLessThan(5_000);
  expect(invoked).toEqual([]);
});

test('refuses a streamed body as soon as it passes the limit, without reading the rest', async () => {
  const chunks = Array.from({ length: 400 }, () => Buffer.alloc(512, 0x20));
  const answer = await post(chunks, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  expect(answer.status).toBe(413);
  // The gateway answered within a few chunks of the limit; the sender stopped there, far short of 200 KiB.
  expect(answer.sent).toBeLessThan(4096 + 16 * 512);
  expect(invoked).toEqual([]);
});
