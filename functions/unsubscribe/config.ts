import type { SecretSource } from '../distribute/config.ts';
import {
  ConfigurationError,
  DISTRIBUTE_SETTINGS,
  type Environment,
  readOptionalSetting,
  readSetting,
  SHARED_SETTINGS,
} from '../shared/settings.ts';
import type { PageBranding } from './unsubscribePage.ts';

export interface UnsubscribeConfig {
  readonly secret: SecretSource;
  readonly tableName: string;
  readonly branding: PageBranding;
}

export function loadUnsubscribeConfig(env: Environment): UnsubscribeConfig {
  const value = readOptionalSetting(env, SHARED_SETTINGS.unsubscribeSecret);
  const arn = readOptionalSetting(env, SHARED_SETTINGS.unsubscribeSecretArn);
  if (value === undefined && arn === undefined) throw new ConfigurationError('UNSUBSCRIBE_SECRET', 'or UNSUBSCRIBE_SECRET_ARN is required');
  return {
    secret: value !== undefined ? { value } : { arn: arn!, cacheTtlSeconds: readSetting(env, SHARED_SETTINGS.secretCacheTtlSeconds) },
    tableName: readSetting(env, SHARED_SETTINGS.unsubscribeTableName),
    branding: {
      companyName: readSetting(env, DISTRIBUTE_SETTINGS.companyName),
      accentColor: readSetting(env, DISTRIBUTE_SETTINGS.accentColor),
    },
  };
}
