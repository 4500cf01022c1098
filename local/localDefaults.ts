/**
 * Settings of the local pipeline (`npm start`), with its embedded defaults, documented in README.md.
 * The development secret is public by design: it only ever guards a server bound to 127.0.0.1.
 */
import { DISTRIBUTE_SETTINGS, INGEST_SETTINGS, integerSetting, textSetting } from '../functions/shared/settings.ts';

export const DEVELOPMENT_SECRET = 'local_development_secret';

export const LOCAL_SETTINGS = {
  port: integerSetting({ variable: 'PORT', defaultValue: 3000, min: 0, max: 65_535 }),
  secret: { ...INGEST_SETTINGS.secretValue, defaultValue: DEVELOPMENT_SECRET },
  outboxFile: { ...DISTRIBUTE_SETTINGS.outboxFile, defaultValue: '.local/outbox.jsonl' },
  deliveryChannel: textSetting({ variable: 'DELIVERY_CHANNEL', defaultValue: 'outbox' }),
} as const;

export const DEFAULT_LOCAL_PORT = LOCAL_SETTINGS.port.defaultValue ?? 3000;
