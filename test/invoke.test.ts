/**
 * `npm run invoke` end to end, the way `sam local invoke` runs the functions against `npm start`
 * (docs/sam-local.md): the stack is synthesized with `-c local=true` and bundling (as `cdk synth`
 * does, asset metadata included); `npm start`'s stand-ins run on free ports; env.json is generated
 * for them as `npm run events` generates events/env.json; then the bundled assets in that cloud
 * assembly are invoked with the committed events. The invocations get their endpoints from env.json
 * alone, and only the credentials SAM gives a container, as in SAM.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { MESSAGE_ATTRIBUTE } from '../functions/shared/webhookContract.ts';
import { FUNCTION_LOGICAL_IDS } from '../lib/functionNames.ts';
import { VoucherifyWebhookStack } from '../lib/VoucherifyWebhookStack.ts';
import { readWebhookStackConfig } from '../lib/webhookStackConfig.ts';
import type { LocalSes } from '../local/localSes.ts';
import { LOCAL_QUEUE_NAME, type LocalStack, startLocalStack } from '../local/localStack.ts';
import type { SynthesizedTemplate } from '../local/samEnvVars.ts';
import { generateEvents, SAMPLE_SECRET } from '../scripts/generate-events.ts';
import { readTemplateFunction, resolveEnvironment, type TemplateFunction } from '../scripts/invoke-local.ts';
import { EXPECTED_INGEST_STATUS, readFixture } from './support/fixtures.ts';
import { contextReader, SES_CONTEXT } from './support/webhookStack.ts';

const run = promisify(execFile);
const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const STACK = 'InvokeStack';

const workspace = mkdtempSync(join(tmpdir(), 'webhook-invoke-'));
const assembly = join(workspace, 'cdk.out');
const templatePath = join(assembly, `${STACK}.template.json`);
const envVarsPath = join(workspace, 'env.json');
let stack: LocalStack;
let ses: LocalSes;
let sqsClient: SQSClient;

interface Invocation {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly payload: Record<string, unknown> | undefined;
}

/**
 * `npm run -s invoke -- <args>` from a shell with no AWS variable but the region and the placeholder
 * credentials SAM gives a container when it has none (samcli/local/lambdafn/env_vars.py).
 */
async function invoke(args: readonly string[]): Promise<Invocation> {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_'))),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'defaultkey',
    AWS_SECRET_ACCESS_KEY: 'defaultsecret',
  };
  let result: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await run('npm', ['run', '-s', 'invoke', '--', ...args], { cwd: PROJECT_ROOT, env, timeout: 60_000 });
    result = { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    result = { code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
  let payload: Record<string, unknown> | undefined;
  try {
    payload = JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    payload = undefined;
  }
  return { ...result, payload };
}

const eventFile = (name: string) => join(PROJECT_ROOT, 'events', name);

async function receiveAll(queueName: string) {
  const received = await sqsClient.send(
    new ReceiveMessageCommand({
      QueueUrl: stack.sqs.queueUrl(queueName),
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
    }),
  );
  return received.Messages ?? [];
}

const environmentBefore = { ...process.env };

beforeAll(async () => {
  // What `cdk synth -c local=true` writes: bundled assets plus the aws:asset:* metadata SAM reads.
  const app = new App({ outdir: assembly, context: { 'aws:cdk:enable-asset-metadata': true } });
  new VoucherifyWebhookStack(app, STACK, { config: readWebhookStackConfig(contextReader({ ...SES_CONTEXT, local: 'true' })) });
  app.synth();

  // npm start's stand-ins, queues, tables and keys; its worker is left out so queued messages stay put.
  stack = await startLocalStack({ port: 0, secret: SAMPLE_SECRET, channel: 'ses', inProcessWorker: false });
  sqsClient = stack.sqs.client();
  if (!stack.ses) throw new Error('The ses channel starts a local SES');
  ses = stack.ses;
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as SynthesizedTemplate;
  const endpoints = { sqs: stack.sqs.endpoint, dynamodb: stack.dynamo.endpoint, sesv2: ses.endpoint, api: new URL(stack.url).origin };
  const generated = await generateEvents({ endpoints, template });
  writeFileSync(envVarsPath, generated.get('env.json') ?? '');
}, 120_000);

afterAll(async () => {
  sqsClient?.destroy();
  await stack?.stop(0);
  // startLocalStack points this process's SDK clients at its servers; later suites in this worker must not inherit that.
  for (const name of Object.keys(process.env)) if (!(name in environmentBefore)) delete process.env[name];
  Object.assign(process.env, environmentBefore);
  rmSync(workspace, { recursive: true, force: true });
});

afterEach(async () => {
  while ((await receiveAll(LOCAL_QUEUE_NAME)).length > 0) {
    // drained: received messages stay invisible for the rest of the run
  }
});

describe('reading the synthesized template as sam local invoke does', () => {
  let ingest: TemplateFunction;
  beforeAll(() => {
    ingest = readTemplateFunction(templatePath, FUNCTION_LOGICAL_IDS.ingest);
  });

  test('finds the bundled asset, the handler, the timeout and the memory size', () => {
    expect(ingest.assetDirectory).toMatch(/cdk\.out\/asset\.[0-9a-f]{64}$/);
    expect(ingest).toMatchObject({ handler: 'index.handler', timeoutSeconds: 10, memorySize: 256 });
  });

  test('keeps literal variables and marks intrinsics (Refs) as unresolved', () => {
    expect(ingest.variables).toMatchObject({ MAX_BODY_BYTES: '262144', VOUCHERIFY_WEBHOOK_SECRET: '' });
    expect(ingest.variables).toHaveProperty('QUEUE_URL', undefined);
    expect(ingest.variables).toHaveProperty('VOUCHERIFY_WEBHOOK_SECRET_ARN', undefined);
  });

  test('--env-vars fills declared variables, Parameters first and the function’s own entry last, and ignores undeclared ones', () => {
    const { variables, notes } = resolveEnvironment(ingest, {
      Parameters: { QUEUE_URL: 'from-parameters', MAX_BODY_BYTES: '2048' },
      [FUNCTION_LOGICAL_IDS.ingest]: { QUEUE_URL: 'http://127.0.0.1:1/000000000000/q', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1' },
    });
    expect(variables).toMatchObject({ QUEUE_URL: 'http://127.0.0.1:1/000000000000/q', MAX_BODY_BYTES: '2048' });
    expect(variables).not.toHaveProperty('AWS_ENDPOINT_URL_DYNAMODB');
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AWS_ENDPOINT_URL_DYNAMODB from --env-vars ignored: IngestFunction does not declare it/),
      ]),
    );
  });

  test('a declared variable set in the shell wins over the template, and --env-vars wins over both, as in SAM', () => {
    const fromShell = resolveEnvironment(ingest, {}, { MAX_BODY_BYTES: '4096', UNDECLARED: 'x' });
    expect(fromShell.variables.MAX_BODY_BYTES).toBe('4096');
    expect(fromShell.variables).not.toHaveProperty('UNDECLARED');
    const overridden = resolveEnvironment(
      ingest,
      { [FUNCTION_LOGICAL_IDS.ingest]: { MAX_BODY_BYTES: 8192, VOUCHERIFY_WEBHOOK_SECRET: true } },
      {
        MAX_BODY_BYTES: '4096',
      },
    );
    expect(overridden.variables).toMatchObject({ MAX_BODY_BYTES: '8192', VOUCHERIFY_WEBHOOK_SECRET: 'true' });
  });

  test('an intrinsic nobody resolves becomes an empty string, as in SAM', () => {
    const { variables, notes } = resolveEnvironment(ingest);
    expect(variables.QUEUE_URL).toBe('');
    expect(notes).toEqual(expect.arrayContaining([expect.stringMatching(/^QUEUE_URL is an intrinsic .* set to ""$/)]));
  });
});

describe('npm run invoke with the ingest function', () => {
  test('a signed webhook is answered 202 and its exact body is on the local queue with the ingest’s attributes', async () => {
    const result = await invoke([
      '-t',
      templatePath,
      FUNCTION_LOGICAL_IDS.ingest,
      '-e',
      eventFile('api-segment-entered-plain-message.json'),
      '-n',
      envVarsPath,
    ]);
    expect(result.code).toBe(0);
    expect(result.payload).toMatchObject({ statusCode: 202 });
    const body = readFixture('segment-entered-plain-message.json');
    const envelopeId = (JSON.parse(body) as { id: string }).id;
    expect(JSON.parse(String(result.payload?.body))).toEqual({ status: 'accepted', id: envelopeId });

    const messages = await receiveAll(LOCAL_QUEUE_NAME);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.Body).toBe(body);
    expect(messages[0]?.MessageAttributes?.[MESSAGE_ATTRIBUTE.envelopeId]?.StringValue).toBe(envelopeId);
    expect(messages[0]?.MessageAttributes?.[MESSAGE_ATTRIBUTE.distributionKind]?.StringValue).toBe('plain_message');
  });

  test('stdout carries only the result; the function’s logs and a REPORT line go to stderr', async () => {
    const result = await invoke([
      '-t',
      templatePath,
      FUNCTION_LOGICAL_IDS.ingest,
      '-e',
      eventFile('api-other-event-segment-left.json'),
      '-n',
      envVarsPath,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.payload).toMatchObject({ statusCode: 200 });
    expect(result.stderr).toMatch(/REPORT RequestId: \S+\tFunction: IngestFunction\tDuration: [\d.]+ ms/);
    expect(result.stderr).toContain('Webhook ignored');
  });

  test('a webhook signed with another secret is answered 401 and nothing is queued', async () => {
    const result = await invoke([
      '-t',
      templatePath,
      FUNCTION_LOGICAL_IDS.ingest,
      '-e',
      eventFile('api-wrong-signature.json'),
      '-n',
      envVarsPath,
    ]);
    expect(result.payload).toMatchObject({ statusCode: 401 });
    expect(await receiveAll(LOCAL_QUEUE_NAME)).toEqual([]);
  });

  test('without --env-vars the ingest has no secret and fails closed with 500, after saying which values were blank', async () => {
    const result = await invoke([
      '-t',
      templatePath,
      FUNCTION_LOGICAL_IDS.ingest,
      '-e',
      eventFile('api-segment-entered-plain-message.json'),
    ]);
    expect(result.payload).toMatchObject({ statusCode: 500 });
    expect(result.stderr).toContain('note: QUEUE_URL is an intrinsic');
    expect(await receiveAll(LOCAL_QUEUE_NAME)).toEqual([]);
  });
});

describe('npm run invoke with the distribute function', () => {
  test('the committed SQS event is delivered through the local SES once, and the batch reports no failure', async () => {
    await ses.clear();
    const args = [
      '-t',
      templatePath,
      FUNCTION_LOGICAL_IDS.distribute,
      '-e',
      eventFile('sqs-segment-entered-plain-message.json'),
      '-n',
      envVarsPath,
    ];
    const first = await invoke(args);
    expect(first.code).toBe(0);
    expect(first.payload).toEqual({ batchItemFailures: [] });
    const mails = await ses.sentEmails();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.from).toContain('offers@shop.example');

    // The idempotency record in the local DynamoDB stops a second delivery of the same send-out.
    const again = await invoke(args);
    expect(again.payload).toEqual({ batchItemFailures: [] });
    expect(await ses.sentEmails()).toHaveLength(1);
  });
});

describe('every committed event through npm run invoke, as sam local invoke runs it against npm start', () => {
  const eventFiles = readdirSync(join(PROJECT_ROOT, 'events')).filter((name) => /^(api|sqs)-.*\.json$/.test(name));
  const expectedStatus = (file: string): number => {
    if (file === 'api-wrong-signature.json') return 401;
    const fixture = Object.keys(EXPECTED_INGEST_STATUS).find((name) => `api-${name.replace(/\.json(\.txt)?$/, '')}.json` === file);
    if (fixture === undefined) throw new Error(`No expected status for ${file}`);
    return EXPECTED_INGEST_STATUS[fixture] ?? 0;
  };

  test.each(eventFiles.filter((name) => name.startsWith('api-')))('%s: the ingest answers as the events README says', async (file) => {
    const result = await invoke(['-t', templatePath, FUNCTION_LOGICAL_IDS.ingest, '-e', eventFile(file), '-n', envVarsPath]);
    expect(result.stderr).not.toContain('note:');
    expect({ code: result.code, status: result.payload?.statusCode }).toEqual({ code: 0, status: expectedStatus(file) });
  });

  test.each(eventFiles.filter((name) => name.startsWith('sqs-')))('%s: the worker reports no failed record', async (file) => {
    const result = await invoke(['-t', templatePath, FUNCTION_LOGICAL_IDS.distribute, '-e', eventFile(file), '-n', envVarsPath]);
    expect(result.stderr).not.toContain('note:');
    expect({ code: result.code, payload: result.payload }).toEqual({ code: 0, payload: { batchItemFailures: [] } });
  });
});

describe('npm run invoke refuses what it cannot run', () => {
  test('an unknown logical id exits 2 and lists the template’s functions', async () => {
    const result = await invoke(['-t', templatePath, 'NoSuchFunction', '-e', eventFile('api-segment-entered-plain-message.json')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('NoSuchFunction is not a function');
    expect(result.stderr).toContain(FUNCTION_LOGICAL_IDS.ingest);
    expect(result.stderr).toContain(FUNCTION_LOGICAL_IDS.distribute);
  });

  test('a missing argument exits 2 with the usage', async () => {
    const result = await invoke(['-t', templatePath, FUNCTION_LOGICAL_IDS.ingest]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: npm run invoke --');
  });
});
