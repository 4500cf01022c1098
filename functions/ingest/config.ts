import { type Environment, INGEST_SETTINGS, readOptionalSetting, readSetting, SHARED_SETTINGS } from '../shared/settings.ts';

/** Every setting of the ingest function (functions/shared/settings.ts defines each one). */
export interface IngestConfig {
  readonly queueUrl: string;
  readonly secretValue: string | undefined;
  readonly secretArn: string | undefined;
  readonly secretCacheTtlSeconds: number;
  readonly maxBodyBytes: number;
  readonly maxEventAgeSeconds: number;
  readonly enqueueTimeoutMs: number;
}

export function loadIngestConfig(env: Environment): IngestConfig {
  return {
    queueUrl: readSetting(env, SHARED_SETTINGS.queueUrl),
    secretValue: readOptionalSetting(env, INGEST_SETTINGS.secretValue),
    secretArn: readOptionalSetting(env, INGEST_SETTINGS.secretArn),
    secretCacheTtlSeconds: readSetting(env, SHARED_SETTINGS.secretCacheTtlSeconds),
    maxBodyBytes: readSetting(env, INGEST_SETTINGS.maxBodyBytes),
    maxEventAgeSeconds: readSetting(env, INGEST_SETTINGS.maxEventAgeSeconds),
    enqueueTimeoutMs: readSetting(env, INGEST_SETTINGS.enqueueTimeoutMs),
  };
}
