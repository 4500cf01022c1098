/**
 * npm start [-- --channel outbox|ses|http]
 *
 * Runs the whole pipeline locally on embedded defaults (see local/localStack.ts): POST signed
 * webhooks to the printed URL and watch them come out in the outbox file, in the local SES's
 * web page with --channel ses, or at your own receiver with --channel http (local/startChannel.ts).
 * Ctrl-C stops gracefully: no new webhooks are accepted and what is queued is delivered first.
 *
 * Environment: PORT (3000), VOUCHERIFY_WEBHOOK_SECRET (a development default), OUTBOX_FILE
 * (.local/outbox.jsonl), DELIVERY_CHANNEL (outbox | ses | http), FORWARD_URL and
 * FORWARD_SIGNING_SECRET (http), plus any function variable (POWERTOOLS_LOG_LEVEL, CURRENCY, …).
 * For `sam local invoke` (docs/sam-local.md): SQS_PORT (4566), DYNAMODB_PORT (8000), SES_PORT
 * (8005), STAND_INS_ON_ALL_INTERFACES (false).
 */
import { parseArgs } from 'node:util';
import { readOptionalSetting, readSetting } from '../functions/shared/settings.ts';
import { DEVELOPMENT_SECRET, LOCAL_SETTINGS } from '../local/localDefaults.ts';
import { LOCAL_MAX_RECEIVE_COUNT, startLocalStack } from '../local/localStack.ts';
import { deliveryDescription, type StartChannel, StartChannelError, stackChannelOptions, startChannel } from '../local/startChannel.ts';

const { values } = parseArgs({ options: { channel: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(
    'usage: npm start [-- --channel outbox|ses|http]   (environment: PORT, VOUCHERIFY_WEBHOOK_SECRET, OUTBOX_FILE, DELIVERY_CHANNEL, FORWARD_URL, FORWARD_SIGNING_SECRET, SQS_PORT, DYNAMODB_PORT, SES_PORT, STAND_INS_ON_ALL_INTERFACES)',
  );
  process.exit(0);
}

let channel: StartChannel;
try {
  channel = startChannel(values.channel, process.env);
} catch (error) {
  if (!(error instanceof StartChannelError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const port = readSetting(process.env, LOCAL_SETTINGS.port);
const configuredSecret = readOptionalSetting(process.env, { ...LOCAL_SETTINGS.secret, defaultValue: undefined });
const secret = configuredSecret ?? DEVELOPMENT_SECRET;
const standInPorts = {
  sqs: readSetting(process.env, LOCAL_SETTINGS.sqsPort),
  dynamodb: readSetting(process.env, LOCAL_SETTINGS.dynamodbPort),
  ses: readSetting(process.env, LOCAL_SETTINGS.sesPort),
};
const standInsOnAllInterfaces = readSetting(process.env, LOCAL_SETTINGS.standInsOnAllInterfaces);

const say = (line = '') => process.stderr.write(`${line}\n`);

const stack = await startLocalStack({
  port,
  standInPorts,
  standInsOnAllInterfaces,
  secret,
  ...stackChannelOptions(channel),
  onRequest: ({ method, path, status, durationMs }) => say(`[gateway] ${method} ${path} -> ${status} (${durationMs.toFixed(1)} ms)`),
  onBatch: ({ received, failed, handlerError }) =>
    say(`[worker] batch of ${received}: ${received - failed} done, ${failed} left for retry${handlerError ? ' (handler error)' : ''}`),
}).catch((error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE') {
    say(`A port is in use (${error.message}): set PORT, SQS_PORT, DYNAMODB_PORT or SES_PORT to another port.`);
  } else say(`Could not start the local stack: ${error.message}`);
  process.exit(1);
});

say('');
say('Voucherify segment webhook: local pipeline running (no AWS account needed)');
say('');
say(`  Webhook URL     ${stack.url}`);
say(
  configuredSecret
    ? `  Signing secret  from VOUCHERIFY_WEBHOOK_SECRET (${configuredSecret.length} characters)`
    : `  Signing secret  "${DEVELOPMENT_SECRET}" (development default; set VOUCHERIFY_WEBHOOK_SECRET to change)`,
);
say(`  Mails           ${deliveryDescription(channel, stack.ses?.endpoint)}`);
say(`  Queue           ${stack.queueUrl} (DLQ after ${LOCAL_MAX_RECEIVE_COUNT} receives: ${stack.deadLetterQueueUrl})`);
say(`  DynamoDB        ${stack.dynamo.endpoint} (idempotency table, in memory)`);
say(
  standInsOnAllInterfaces
    ? '  SQS, DynamoDB and SES listen on every interface (STAND_INS_ON_ALL_INTERFACES); the webhook API on 127.0.0.1 only.'
    : '  All servers listen on 127.0.0.1 only.',
);
say('  Queue and idempotency data live in memory. For sam local invoke: docs/sam-local.md');
say('');
say(
  `  Try: npm run send -- test/fixtures/voucherify/segment-entered-unique-code.json${configuredSecret ? ' --secret "$VOUCHERIFY_WEBHOOK_SECRET"' : ''}`,
);
say('  Stop: Ctrl-C (queued webhooks are delivered first)');
say('');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    say('Stopping now without waiting.');
    process.exit(1);
  }
  stopping = true;
  say(`\n${signal}: no new webhooks accepted; delivering what is queued (Ctrl-C again to quit at once)...`);
  const { undelivered } = await stack.stop(30_000);
  if (undelivered > 0) say(`Stopped with ${undelivered} message(s) undelivered: the local queue is in memory, so they are gone.`);
  else say('Stopped: everything accepted was delivered or dead-lettered.');
  process.exit(undelivered > 0 ? 1 : 0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
