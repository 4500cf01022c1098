import { readSecretSource, type SecretSource } from '../distribute/config.ts';
import { DISTRIBUTE_SETTINGS, type Environment, readSetting, SHARED_SETTINGS } from '../shared/settings.ts';
import type { PageBranding } from './unsubscribePage.ts';

export interface UnsubscribeConfig {
  readonly secret: SecretSource;
  readonly tableName: string;
  readonly branding: PageBranding;
}

export function loadUnsubscribeConfig(env: Environment): UnsubscribeConfig {
  return {
    secret: readSecretSource(env, SHARED_SETTINGS.unsubscribeSecret, SHARED_SETTINGS.unsubscribeSecretArn),
    tableName: readSetting(env, SHARED_SETTINGS.unsubscribeTableName),
    branding: {
      companyName: readSetting(env, DISTRIBUTE_SETTINGS.companyName),
      accentColor: readSetting(env, DISTRIBUTE_SETTINGS.accentColor),
    },
  };
}
