/**
 * `cdk synth -c local=true`: a template for `sam local invoke` only, whose functions declare the AWS
 * SDK endpoint variables events/env.json points at `npm start`'s stand-ins. Without the flag the
 * production template declares none of them.
 */
import { describe, expect, test } from '@jest/globals';
import { AWS_ENDPOINT_VARIABLES } from '../functions/shared/settings.ts';
import { FUNCTION_LOGICAL_IDS } from '../lib/functionNames.ts';
import { readWebhookStackConfig, WebhookStackConfigError } from '../lib/webhookStackConfig.ts';
import { buildStack, contextReader, HTTP_CONTEXT, SES_CONTEXT, type TemplateJson, templateJson } from './support/webhookStack.ts';

const ENDPOINT_VARIABLES: readonly string[] = Object.values(AWS_ENDPOINT_VARIABLES);

const variablesOf = (template: TemplateJson, logicalId: string): Record<string, unknown> =>
  (template.Resources[logicalId]?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};

/** Each function's endpoint variables and their values. */
function endpointVariables(template: TemplateJson): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.values(FUNCTION_LOGICAL_IDS).map((logicalId) => [
      logicalId,
      Object.fromEntries(Object.entries(variablesOf(template, logicalId)).filter(([name]) => ENDPOINT_VARIABLES.includes(name))),
    ]),
  );
}

/** The template less every endpoint variable. */
function withoutEndpointVariables(template: TemplateJson): TemplateJson {
  const copy = structuredClone(template);
  for (const resource of Object.values(copy.Resources)) {
    const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    for (const name of ENDPOINT_VARIABLES) delete variables[name];
  }
  return copy;
}

describe('the production template (no local flag)', () => {
  test.each([
    ['ses', SES_CONTEXT],
    ['http', HTTP_CONTEXT],
  ])('with the %s channel, declares no AWS endpoint variable on any function', (_channel, context) => {
    const template = templateJson(buildStack(context).template);
    const declared = Object.values(template.Resources).flatMap((resource) =>
      Object.keys((resource.Properties?.Environment as { Variables?: object } | undefined)?.Variables ?? {}),
    );
    expect(declared.filter((name) => name.startsWith('AWS_ENDPOINT_URL'))).toEqual([]);
  });

  test('local=false is the same as no flag', () => {
    expect(templateJson(buildStack({ ...SES_CONTEXT, local: 'false' }).template)).toEqual(templateJson(buildStack(SES_CONTEXT).template));
  });
});

describe('the template synthesized with -c local=true', () => {
  test('each function declares, empty, the endpoint of each service it calls; SES only for the ses channel', () => {
    expect(endpointVariables(templateJson(buildStack({ ...SES_CONTEXT, local: 'true' }).template))).toEqual({
      [FUNCTION_LOGICAL_IDS.ingest]: { AWS_ENDPOINT_URL_SQS: '' },
      [FUNCTION_LOGICAL_IDS.distribute]: { AWS_ENDPOINT_URL_SQS: '', AWS_ENDPOINT_URL_DYNAMODB: '', AWS_ENDPOINT_URL_SESV2: '' },
      [FUNCTION_LOGICAL_IDS.unsubscribe]: { AWS_ENDPOINT_URL_DYNAMODB: '' },
    });
    expect(endpointVariables(templateJson(buildStack({ ...HTTP_CONTEXT, local: 'true' }).template))).toEqual({
      [FUNCTION_LOGICAL_IDS.ingest]: { AWS_ENDPOINT_URL_SQS: '' },
      [FUNCTION_LOGICAL_IDS.distribute]: { AWS_ENDPOINT_URL_SQS: '', AWS_ENDPOINT_URL_DYNAMODB: '' },
      [FUNCTION_LOGICAL_IDS.unsubscribe]: { AWS_ENDPOINT_URL_DYNAMODB: '' },
    });
  });

  test('differs from the production template in those variables only', () => {
    const local = templateJson(buildStack({ ...SES_CONTEXT, local: 'true' }).template);
    expect(withoutEndpointVariables(local)).toEqual(templateJson(buildStack(SES_CONTEXT).template));
  });

  test('still declares the secrets a local run gives as values, empty, next to their ARNs', () => {
    const template = templateJson(buildStack({ ...SES_CONTEXT, local: 'true' }).template);
    expect(variablesOf(template, FUNCTION_LOGICAL_IDS.ingest)).toMatchObject({ VOUCHERIFY_WEBHOOK_SECRET: '' });
    expect(variablesOf(template, FUNCTION_LOGICAL_IDS.distribute)).toMatchObject({ UNSUBSCRIBE_SECRET: '' });
    expect(variablesOf(template, FUNCTION_LOGICAL_IDS.unsubscribe)).toMatchObject({ UNSUBSCRIBE_SECRET: '' });
  });

  test('a local value that is not a flag is refused at synth, naming the context key', () => {
    expect(() => readWebhookStackConfig(contextReader({ ...SES_CONTEXT, local: 'sam' }))).toThrow(WebhookStackConfigError);
    expect(() => readWebhookStackConfig(contextReader({ ...SES_CONTEXT, local: 'sam' }))).toThrow(
      /local: must be true or false, got "sam"/,
    );
  });
});
