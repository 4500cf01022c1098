/**
 * Settings of the local pipeline (`npm start`), with its embedded defaults, documented in README.md.
 * The development secret is public by design: it only ever guards a server bound to 127.0.0.1 (the
 * webhook API stays there even when the stand-ins listen on every interface).
 */
import { DISTRIBUTE_SETTINGS, flagSetting, INGEST_SETTINGS, integerSetting, textSetting } from '../functions/shared/settings.ts';

export const DEVELOPMENT_SECRET = 'local_development_secret';

const portSetting = (variable: string, defaultValue: number) => integerSetting({ variable, defaultValue, min: 0, max: 65_535 });

export const LOCAL_SETTINGS = {
  port: integerSetting({ variable: 'PORT', defaultValue: 3000, min: 0, max: 65_535 }),
  // The stand-ins' ports are fixed (each server's customary one) so that events/env.json can name
  // them for `sam local invoke`; 0 picks a free one.
  sqsPort: portSetting('SQS_PORT', 4566),
  dynamodbPort: portSetting('DYNAMODB_PORT', 8000),
  sesPort: portSetting('SES_PORT', 8005),
  /** For `sam local invoke` containers on a bridge network, which cannot reach the host's loopback. */
  standInsOnAllInterfaces: flagSetting({ variable: 'STAND_INS_ON_ALL_INTERFACES', defaultValue: false }),
  secret: { ...INGEST_SETTINGS.secretValue, defaultValue: DEVELOPMENT_SECRET },
  outboxFile: { ...DISTRIBUTE_SETTINGS.outboxFile, defaultValue: '.local/outbox.jsonl' },
  deliveryChannel: textSetting({ variable: 'DELIVERY_CHANNEL', defaultValue: 'outbox' }),
} as const;

export const DEFAULT_LOCAL_PORT = LOCAL_SETTINGS.port.defaultValue ?? 3000;
