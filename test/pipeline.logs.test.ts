/**
 * Issue 6, "Hostile input": everything a full local pipeline run writes — the ingest's and the
 * worker's log lines and metrics, stdout, stderr and the console, with Powertools' debugging
 * settings on (DEBUG level, event logging, sampling; dev mode's pretty-printing, which would only
 * split the lines this test reads, is covered for the ingest there) — holds no signing secret, no signature
 * header value, no e-mail address, no phone number, and no name or other personal data from the
 * bodies. test/ingest.logs.test.ts proves it for the ingest alone in every state; this proves it
 * for the pipeline end to end, worker included.
 *
 * Every shared fixture is posted over HTTP (with its own signature, a forged one and none), the
 * deliverable ones re-posted, through `npm start`'s pipeline with each channel: outbox (its
 * directory blocked at first: a transient failure, retried), ses (aws-ses-v2-local behind a proxy
 * that throttles one mail and rejects another with an error quoting the recipient's address, as
 * SES does: a deferral, a retry and a DLQ case) and http (a receiver that echoes the message back
 * in a 503, a 500 and a 422: a deferral, a retry and a DLQ case).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORWARD_HEADERS } from '../functions/distribute/httpChannel.ts';
import { signatureFor } from '../functions/ingest/verifySignature.ts';
import { startLocalSes } from '../local/localSes.ts';
import type { LocalStackOptions } from '../local/localStack.ts';
import { type CapturedOutput, captureConsole, captureOutput, jsonObjectLines, setEnvironment } from './support/captureOutput.ts';
import {
  DELIVERABLE_FIXTURES,
  EXPECTED_INGEST_STATUS,
  FIXTURE_SECRET,
  fixtureNames,
  fixtureSignatures,
  readFixture,
} from './support/fixtures.ts';
import { findLeaks, fixtureSensitiveValues, type Leak, type LeakKind, type SensitiveValues } from './support/logLeaks.ts';
import { eventually, FORWARD_SECRET, type ReliabilityPipeline, startReliabilityPipeline } from './support/reliabilityPipeline.ts';
import { type Fallback, type RecordedRequest, type ScriptedReply, startScriptedHttpServer } from './support/scriptedHttpServer.ts';

const FORGER_SECRET = 'a_forgers_guess_pipeline_3c1e';
const envelopeIdOf = (name: string): string => (JSON.parse(readFixture(name)) as { id: string }).id;
const PLAIN = envelopeIdOf('segment-entered-plain-message.json');
const PROMOTION = envelopeIdOf('segment-entered-promotion.json');
const UNIQUE_CODE = envelopeIdOf('segment-entered-unique-code.json');
const DELIVERABLE_IDS = Object.keys(DELIVERABLE_FIXTURES).map(envelopeIdOf);

interface RunResult {
  readonly channel: LocalStackOptions['channel'];
  /** Outcome lines the worker logged, `envelope_id outcome[:reason]`. */
  readonly outcomes: string[];
  /** Ingest statuses per fixture and signature variant. */
  readonly statuses: Map<string, number>;
  readonly deadLetterReasons: string[];
  readonly delivered: number;
}

/** Posts every fixture every way and the deliverable ones again; returns the signatures it sent. */
async function postEverything(pipeline: ReliabilityPipeline, statuses: Map<string, number>, signatures: Set<string>) {
  for (const name of fixtureNames()) {
    const body = readFixture(name);
    const variants: [string, string | undefined][] = [
      ['raw', fixtureSignatures(name).hmac_raw],
      ['forged', signatureFor(body, FORGER_SECRET)],
      ['none', undefined],
    ];
    for (const [variant, signature] of variants) {
      if (signature) signatures.add(signature);
      const response = await pipeline.client.post(body, { signature: signature ?? '' });
      statuses.set(`${name} ${variant}`, response.status);
    }
  }
  // Voucherify re-sending what was accepted.
  for (const name of Object.keys(DELIVERABLE_FIXTURES)) await pipeline.client.post(readFixture(name));
}

function workerOutcomes(output: CapturedOutput, from: number): string[] {
  return jsonObjectLines(output.lines.slice(from))
    .filter((line) => typeof line.outcome === 'string')
    .map((line) => `${line.envelope_id} ${[line.outcome, line.reason].filter(Boolean).join(':')}`);
}

/** npm start prints a line per request and per batch; the run prints them too. */
const npmStartHooks = (): Partial<LocalStackOptions> => ({
  onRequest: ({ method, path, status, durationMs }) =>
    process.stderr.write(`[gateway] ${method} ${path} -> ${status} (${durationMs.toFixed(1)} ms)\n`),
  onBatch: ({ received, failed }) =>
    process.stderr.write(`[worker] batch of ${received}: ${received - failed} done, ${failed} left for retry\n`),
});

async function run(
  channel: LocalStackOptions['channel'],
  output: CapturedOutput,
  signatures: Set<string>,
  setUp: {
    stack?: Partial<LocalStackOptions>;
    receiver?: Fallback;
    /** Called once the webhooks are in; resolves once the run's faults have played out. */
    whilePending?: (pipeline: ReliabilityPipeline) => Promise<void>;
    delivered: (pipeline: ReliabilityPipeline) => Promise<number>;
  },
): Promise<RunResult> {
  const from = output.lines.length;
  const pipeline = await startReliabilityPipeline({
    ...(setUp.receiver ? { receiver: setUp.receiver } : {}),
    // The fixtures are dated and posted as they are; the replay guard has tests of its own.
    stack: { channel, ...npmStartHooks(), extraEnvironment: { MAX_EVENT_AGE_SECONDS: '0' }, ...setUp.stack },
  });
  const statuses = new Map<string, number>();
  try {
    await postEverything(pipeline, statuses, signatures);
    await setUp.whilePending?.(pipeline);
    await eventually(
      `every deliverable fixture delivered or dead-lettered (${channel})`,
      () =>
        DELIVERABLE_IDS.every((id) =>
          workerOutcomes(output, from).some((line) => line.startsWith(`${id} delivered`) || line.startsWith(`${id} permanent_failure`)),
        ),
      30_000,
    );
    await pipeline.stack.waitUntilDrained(20_000);
    for (const request of pipeline.receiver.requests) {
      const forwarded = request.headers[FORWARD_HEADERS.signature];
      if (typeof forwarded === 'string') signatures.add(forwarded).add(forwarded.replace(/^sha256=/, ''));
    }
    const deadLetterReasons = (await pipeline.drainDeadLetters()).map((message) =>
      String(message.MessageAttributes?.FailureReason?.StringValue),
    );
    return { channel, outcomes: workerOutcomes(output, from), statuses, deadLetterReasons, delivered: await setUp.delivered(pipeline) };
  } finally {
    await pipeline.stop();
  }
}

/** An SES error whose message quotes the recipient, as SES's own do ("…failed the check…: <address>"). */
function sesErrorQuoting(request: RecordedRequest, status: number, errorType: string): ScriptedReply {
  const address = (JSON.parse(request.body) as { Destination: { ToAddresses: string[] } }).Destination.ToAddresses[0];
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': errorType },
    body: JSON.stringify({
      message: `Email address is not verified. The following identities failed the check in region US-EAST-1: ${address}`,
    }),
  };
}

const sesEnvelopeId = (request: RecordedRequest): string | undefined =>
  (JSON.parse(request.body || '{}') as { EmailTags?: { Name: string; Value: string }[] }).EmailTags?.find(
    (tag) => tag.Name === 'envelope_id',
  )?.Value;

describe("the whole pipeline's output over every fixture, every channel, a retry and a DLQ case each", () => {
  let runs: RunResult[];
  let sensitive: SensitiveValues;
  let leaks: Leak[];
  const leaksOf = (kind: LeakKind) => leaks.filter((leak) => leak.kind === kind);

  beforeAll(async () => {
    const directory = mkdtempSync(join(tmpdir(), 'pipeline-logs-'));
    const restoreEnvironment = setEnvironment({
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      POWERTOOLS_LOGGER_LOG_EVENT: 'true',
      POWERTOOLS_LOGGER_SAMPLE_RATE: '1',
    });
    const output = captureOutput();
    const consoleLines: string[] = [];
    const restoreConsole = captureConsole(consoleLines);
    const signatures = new Set<string>();
    const ses = await startLocalSes();
    try {
      // outbox: the outbox's directory is a file at first, so every delivery fails and is retried.
      const blocked = join(directory, 'blocked');
      writeFileSync(blocked, '');
      const outboxFile = join(blocked, 'outbox.jsonl');
      const outbox = await run('outbox', output, signatures, {
        stack: { outboxFile },
        whilePending: async () => {
          await eventually('every deliverable send-out failed to be written', () =>
            DELIVERABLE_IDS.every((id) => workerOutcomes(output, 0).includes(`${id} transient_failure:delivery_unavailable`)),
          );
          rmSync(blocked);
        },
        delivered: async () => readFileSync(outboxFile, 'utf8').trim().split('\n').length,
      });

      // ses: one throttled three times (one invocation's attempts: deferred), one failing three
      // times (retried), then both sent; another rejected.
      const faults = new Map<string, { left: number; status: number; error: string }>([
        [PROMOTION, { left: 3, status: 429, error: 'TooManyRequestsException' }],
        [PLAIN, { left: 3, status: 500, error: 'InternalFailure' }],
      ]);
      const proxy = await startScriptedHttpServer((request) => {
        const id = sesEnvelopeId(request);
        if (id === UNIQUE_CODE) return sesErrorQuoting(request, 400, 'MessageRejected');
        const fault = faults.get(id ?? '');
        if (fault && fault.left > 0) {
          fault.left--;
          return sesErrorQuoting(request, fault.status, fault.error);
        }
        return { proxyTo: ses.endpoint };
      });
      const sesRun = await run('ses', output, signatures, {
        stack: { sesEndpoint: proxy.url },
        delivered: async () => (await ses.sentEmails()).length,
      }).finally(() => proxy.stop());

      // http: a receiver that echoes the message back, in a 503 once (throttled), a 500 once
      // (failed) and in a 422 for good.
      const failedOnce = new Set<string>();
      const http = await run('http', output, signatures, {
        receiver: (request) => {
          const id = String(request.headers[FORWARD_HEADERS.idempotencyKey]);
          if (id === UNIQUE_CODE) return { status: 422, body: request.body };
          if ((id === PROMOTION || id === PLAIN) && !failedOnce.has(id)) {
            failedOnce.add(id);
            return { status: id === PROMOTION ? 503 : 500, body: request.body };
          }
          return { status: 200, body: request.body };
        },
        delivered: async () => 0,
      });
      runs = [outbox, sesRun, http];
    } finally {
      restoreConsole();
      output.restore();
      restoreEnvironment();
      await ses.stop();
      rmSync(directory, { recursive: true, force: true });
    }
    sensitive = {
      secrets: [FIXTURE_SECRET, FORWARD_SECRET, FORGER_SECRET],
      signatures: [...signatures],
      ...fixtureSensitiveValues(),
    };
    leaks = findLeaks([...output.lines, ...consoleLines].join('\n'), sensitive);
  }, 120_000);

  test('went through every path: each fixture answered as the README says, deliveries, duplicates dropped, a retry per channel and a DLQ case', () => {
    for (const result of runs) {
      for (const name of fixtureNames()) {
        expect([result.channel, name, result.statuses.get(`${name} raw`)]).toEqual([result.channel, name, EXPECTED_INGEST_STATUS[name]]);
        expect([result.channel, name, result.statuses.get(`${name} forged`)]).toEqual([result.channel, name, 401]);
      }
      expect(result.outcomes.filter((line) => line.endsWith('skipped:duplicate')).length).toBeGreaterThanOrEqual(1);
      expect(result.outcomes.some((line) => line.includes('transient_failure'))).toBe(true);
    }
    const [outbox, ses, http] = runs as [RunResult, RunResult, RunResult];
    expect(outbox.delivered).toBe(DELIVERABLE_IDS.length);
    expect(outbox.outcomes).toContain(`${PLAIN} transient_failure:delivery_unavailable`);
    // The unique-code mail is rejected every time; the others go out. (At least once: on a machine
    // starved of CPU an SES call can be aborted after SES took the mail, and its retry sends it again.
    // Exactly-once is the reliability tests' business, not this one's.)
    expect(ses.delivered).toBeGreaterThanOrEqual(DELIVERABLE_IDS.length - 1);
    const retriedRejected = [`${PLAIN} transient_failure:delivery_unavailable`, `${UNIQUE_CODE} permanent_failure:delivery_rejected`];
    expect(ses.outcomes).toEqual(expect.arrayContaining(retriedRejected));
    // Deferred, unless the SDK's back-off between throttled attempts outlasted the short delivery
    // timeout used here and aborted the call (then it is retried as a failure).
    expect(ses.outcomes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${PROMOTION} (deferred:throttled|transient_failure:delivery_unavailable)$`)),
      ]),
    );
    // Rejected every time it is sent, its re-post included.
    expect(new Set(ses.deadLetterReasons)).toEqual(new Set(['delivery_rejected']));
    expect(http.outcomes).toEqual(expect.arrayContaining([`${PROMOTION} deferred:throttled`, ...retriedRejected]));
    expect(new Set(http.deadLetterReasons)).toEqual(new Set(['delivery_rejected']));
  });

  test("holds no signing secret, forwarding secret or forger's secret", () => {
    expect(leaksOf('secret')).toEqual([]);
  });

  test('holds none of the signature values sent or forwarded, in any case, nor anything shaped like an HMAC', () => {
    expect(sensitive.signatures.length).toBeGreaterThan(25);
    expect(leaksOf('signature')).toEqual([]);
  });

  test("holds no e-mail address, not even the one SES's error quoted", () => {
    expect(sensitive.emails).toContain('alex.kowalski@example.com');
    expect(leaksOf('email')).toEqual([]);
  });

  test('holds no phone number in any spacing', () => {
    expect(leaksOf('phone')).toEqual([]);
  });

  test('holds no customer name, address, birth date or voucher code', () => {
    expect(sensitive.personalData).toEqual(expect.arrayContaining(['Alex Kowalski', 'WELCOME-7QX2K9']));
    expect(leaksOf('personal_data')).toEqual([]);
  });
});
