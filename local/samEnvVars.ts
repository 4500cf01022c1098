/**
 * events/env.json, the `--env-vars` file of `sam local invoke` (and `npm run invoke -n`), made from a
 * template synthesized with `-c local=true`: for every function, each variable the template declares,
 * no more (SAM ignores the rest) and no fewer (the file shows all a function runs with). A variable
 * `npm start` has a stand-in for gets the stand-in's value: its endpoints, queue URLs, table names and
 * secrets. Any other keeps the template's value, and one only AWS could resolve (a Ref) is an error.
 */
import {
  AWS_ENDPOINT_VARIABLES,
  DISTRIBUTE_SETTINGS,
  type Environment,
  INGEST_SETTINGS,
  readSetting,
  type Setting,
  SHARED_SETTINGS,
  UNSUBSCRIBE_PATH,
  variableOf,
} from '../functions/shared/settings.ts';
import { LOCAL_ACCOUNT_ID } from './localAws.ts';
import { LOCAL_SETTINGS } from './localDefaults.ts';
import {
  LOCAL_DLQ_NAME,
  LOCAL_QUEUE_NAME,
  LOCAL_TABLE_NAME,
  LOCAL_UNSUBSCRIBE_SECRET,
  LOCAL_UNSUBSCRIBE_TABLE_NAME,
} from './localStack.ts';

/** The part of a synthesized template this reads. */
export interface SynthesizedTemplate {
  readonly Resources?: Readonly<
    Record<string, { readonly Type?: string; readonly Properties?: { readonly Environment?: { readonly Variables?: object } } }>
  >;
}

/** SAM's --env-vars file: variables by function logical id. */
export type EnvVars = Record<string, Record<string, string>>;

/** Where a function reaches `npm start`'s servers. */
export interface StandInEndpoints {
  readonly sqs: string;
  readonly dynamodb: string;
  readonly sesv2: string;
  /** The webhook API's origin, which the unsubscribe links in mails point at. */
  readonly api: string;
}

/**
 * `npm start`'s endpoints as a SAM container reaches them through `host`: 127.0.0.1 with
 * `--docker-network host` (Linux), host.docker.internal with Docker Desktop. The ports come from the
 * settings `npm start` reads, so the two agree when given the same environment.
 */
export function npmStartEndpoints(host: string, env: Environment = {}): StandInEndpoints {
  const at = (port: Setting<number>) => `http://${host}:${readSetting(env, port)}`;
  return {
    sqs: at(LOCAL_SETTINGS.sqsPort),
    dynamodb: at(LOCAL_SETTINGS.dynamodbPort),
    sesv2: at(LOCAL_SETTINGS.sesPort),
    // A browser on this machine opens the links, never the container: always loopback.
    api: `http://127.0.0.1:${readSetting(env, LOCAL_SETTINGS.port)}`,
  };
}

/** The value of each variable `npm start` has a stand-in for, by variable name. */
function standInValues(endpoints: StandInEndpoints, webhookSecret: string): Map<string, string> {
  const queueUrl = (name: string) => `${endpoints.sqs}/${LOCAL_ACCOUNT_ID}/${name}`;
  // biome-ignore lint/suspicious/noExplicitAny: settings of different value types, each given as text.
  const settings: [Setting<any>, string][] = [
    [SHARED_SETTINGS.queueUrl, queueUrl(LOCAL_QUEUE_NAME)],
    // A secret given as a value wins over its ARN; the ARNs are blank rather than ones nothing resolves.
    [INGEST_SETTINGS.secretValue, webhookSecret],
    [INGEST_SETTINGS.secretArn, ''],
    // The sample events are dated: the replay guard would ignore them all.
    [INGEST_SETTINGS.maxEventAgeSeconds, '0'],
    [DISTRIBUTE_SETTINGS.deadLetterQueueUrl, queueUrl(LOCAL_DLQ_NAME)],
    [DISTRIBUTE_SETTINGS.idempotencyTableName, LOCAL_TABLE_NAME],
    [DISTRIBUTE_SETTINGS.unsubscribeUrl, `${endpoints.api}${UNSUBSCRIBE_PATH}`],
    // npm start's own key, so the links in mails sent from SAM work on its unsubscribe page.
    [SHARED_SETTINGS.unsubscribeSecret, LOCAL_UNSUBSCRIBE_SECRET],
    [SHARED_SETTINGS.unsubscribeSecretArn, ''],
    [SHARED_SETTINGS.unsubscribeTableName, LOCAL_UNSUBSCRIBE_TABLE_NAME],
  ];
  return new Map([
    [AWS_ENDPOINT_VARIABLES.sqs, endpoints.sqs],
    [AWS_ENDPOINT_VARIABLES.dynamodb, endpoints.dynamodb],
    [AWS_ENDPOINT_VARIABLES.sesv2, endpoints.sesv2],
    ...settings.map(([setting, value]): [string, string] => [variableOf(setting), value]),
  ]);
}

/** The --env-vars file for a local template; throws naming what it cannot give a value. */
export function samEnvVars(template: SynthesizedTemplate, options: { endpoints: StandInEndpoints; webhookSecret: string }): EnvVars {
  const standIns = standInValues(options.endpoints, options.webhookSecret);
  const envVars: EnvVars = {};
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const variables: Record<string, string> = {};
    for (const [name, declared] of Object.entries(resource.Properties?.Environment?.Variables ?? {})) {
      const value = standIns.get(name) ?? (typeof declared === 'string' ? declared : undefined);
      if (value === undefined) {
        throw new Error(
          `${logicalId} declares ${name} as ${JSON.stringify(declared)}, which only AWS resolves, and npm start has no stand-in for it`,
        );
      }
      variables[name] = value;
    }
    envVars[logicalId] = variables;
  }
  const endpointVariables = new Set<string>(Object.values(AWS_ENDPOINT_VARIABLES));
  if (!Object.values(envVars).some((variables) => Object.keys(variables).some((name) => endpointVariables.has(name)))) {
    throw new Error('The template declares no AWS_ENDPOINT_URL_* variable: synthesize it with -c local=true');
  }
  return envVars;
}
