/**
 * Where `npm start`'s stand-ins listen, which events/env.json relies on: the ports its environment
 * gives (fixed defaults otherwise), loopback unless asked for every interface, and the webhook API
 * on loopback always. Linux answers on all of 127.0.0.0/8, so a server that listens on every
 * interface accepts a connection to 127.0.0.2 and one on 127.0.0.1 refuses it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import { type LocalStack, startLocalStack } from '../local/localStack.ts';
import { FIXTURE_SECRET } from './support/fixtures.ts';

const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

const environmentBefore = { ...process.env };
afterAll(() => {
  // startLocalStack points this process's SDK clients at its servers; later suites in this worker must not inherit that.
  for (const name of Object.keys(process.env)) if (!(name in environmentBefore)) delete process.env[name];
  Object.assign(process.env, environmentBefore);
});

describe('startLocalStack', () => {
  const start = (standInsOnAllInterfaces: boolean) =>
    startLocalStack({ port: 0, secret: FIXTURE_SECRET, channel: 'ses', inProcessWorker: false, standInsOnAllInterfaces });
  const standInPorts = (stack: LocalStack) => [stack.sqs.port, stack.dynamo.port, stack.ses?.port ?? 0];

  test('keeps every server on loopback by default', async () => {
    const stack = await start(false);
    try {
      for (const port of [...standInPorts(stack), stack.port]) {
        expect({ port, loopback: await accepts('127.0.0.1', port), other: await accepts('127.0.0.2', port) }).toEqual({
          port,
          loopback: true,
          other: false,
        });
      }
    } finally {
      await stack.stop(0);
    }
  });

  test('asked to, opens SQS, DynamoDB and SES on every interface and keeps the webhook API on loopback', async () => {
    const stack = await start(true);
    try {
      for (const port of standInPorts(stack)) expect({ port, other: await accepts('127.0.0.2', port) }).toEqual({ port, other: true });
      expect(await accepts('127.0.0.2', stack.port)).toBe(false);
    } finally {
      await stack.stop(0);
    }
  });
});

describe('npm start', () => {
  let child: ChildProcess | undefined;
  const directory = mkdtempSync(join(tmpdir(), 'voucherify-start-'));
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    rmSync(directory, { recursive: true, force: true });
  });

  test('listens on the ports SQS_PORT, DYNAMODB_PORT, SES_PORT and PORT give, and says so', async () => {
    const [api, sqs, dynamodb, ses] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // scripts/start.ts is what `npm start` runs; started directly so the signal reaches it.
    child = spawn(process.execPath, ['scripts/start.ts', '--channel', 'ses'], {
      cwd: PROJECT_ROOT,
      env: {
        ...environmentBefore,
        PORT: String(api),
        SQS_PORT: String(sqs),
        DYNAMODB_PORT: String(dynamodb),
        SES_PORT: String(ses),
        OUTBOX_FILE: join(directory, 'outbox.jsonl'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let banner = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
    });
    const deadline = Date.now() + 30_000;
    while (!banner.includes('Stop: Ctrl-C') && child.exitCode === null && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 100));
    }
    expect(banner).toContain(`Webhook URL     http://127.0.0.1:${api}/webhooks/voucherify`);
    expect(banner).toContain(`http://127.0.0.1:${sqs}/000000000000/voucherify-webhooks`);
    expect(banner).toContain(`DynamoDB        http://127.0.0.1:${dynamodb}`);
    expect(banner).toContain(`web page at http://127.0.0.1:${ses}/`);
    for (const port of [api, sqs, dynamodb, ses]) expect({ port, open: await accepts('127.0.0.1', port) }).toEqual({ port, open: true });

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 60_000);
});
