import { SQSClient } from '@aws-sdk/client-sqs';
import { QueueUnavailableError } from '../functions/ingest/errors.ts';
import { escapeCharactersSqsRefuses, sqsWebhookQueue } from '../functions/ingest/webhookQueue.ts';
import { LOCAL_ACCOUNT_ID, localAwsClientConfig } from '../local/localAws.ts';
import { type ScriptedHttpServer, startScriptedHttpServer } from './support/scriptedHttpServer.ts';

describe('escapeCharactersSqsRefuses', () => {
  test('leaves a body SQS accepts exactly as it is', () => {
    const body = '{"name":"Zoë 🎉 \\u0000","tab":"a\\tb"}';
    expect(escapeCharactersSqsRefuses(body)).toBe(body);
  });

  test('writes U+FFFE and U+FFFF as escapes that parse to the same document', () => {
    const body = '{"name":"a\uFFFFb\uFFFE"}';
    const escaped = escapeCharactersSqsRefuses(body);
    expect(escaped).toBe('{"name":"a\\uFFFFb\\uFFFE"}');
    expect(JSON.parse(escaped)).toEqual(JSON.parse(body));
  });
});

describe('the enqueue deadline', () => {
  // An endpoint that reads requests but never answers them: only the deadline can end a
  // SendMessage to it (the client's own timeouts are 1 s to connect, 2.5 s per attempt).
  let stalled: ScriptedHttpServer;

  beforeAll(async () => {
    stalled = await startScriptedHttpServer();
    stalled.hold();
  });

  afterAll(() => stalled.stop());

  test('ends a SendMessage that gets no answer, retries included, with a QueueUnavailableError', async () => {
    const client = new SQSClient({
      ...localAwsClientConfig(),
      endpoint: stalled.url,
      maxAttempts: 3,
      requestHandler: { requestTimeout: 2500 },
    });
    const queue = sqsWebhookQueue({
      queueUrl: `${stalled.url}/${LOCAL_ACCOUNT_ID}/stalled`,
      timeoutMs: 300,
      maxMessageBytes: 1024 * 1024,
      client,
    });
    const started = performance.now();
    const failure = await queue
      .enqueue({ body: '{}', envelopeId: 'whs_1', eventId: 'evcus_1', kind: 'plain_message', distributionId: undefined })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    const elapsedMs = performance.now() - started;
    client.destroy();
    expect(failure).toBeInstanceOf(QueueUnavailableError);
    // The SDK reports the abort as an AbortError carrying the deadline's TimeoutError (as its cause,
    // or in its message where the DOMException comes from another realm, as under jest).
    const abort = (failure as Error).cause as Error;
    expect(abort.name).toBe('AbortError');
    expect(String(abort.cause ?? abort.message)).toMatch(/TimeoutError|due to timeout/);
    // Well under one attempt's own 2.5 s timeout: the deadline ended it, not the client.
    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(2000);
    // The request really reached the endpoint, and the abort closed its connection.
    expect(stalled.requests.length).toBeGreaterThanOrEqual(1);
    for (let waited = 0; stalled.held > 0 && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stalled.held).toBe(0);
  });
});
