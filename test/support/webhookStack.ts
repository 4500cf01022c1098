/**
 * Builds the webhook stack for template tests: in memory, from a plain context object (as
 * `cdk deploy -c key=value` would give it), with esbuild bundling skipped so a template takes
 * milliseconds. Bundling itself is exercised by test/stack.synth.test.ts.
 */
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { VoucherifyWebhookStack } from '../../lib/VoucherifyWebhookStack.ts';
import { readWebhookStackConfig } from '../../lib/webhookStackConfig.ts';

/** Who every mail is from: what any deployment must state. */
export const SENDER_CONTEXT: Readonly<Record<string, unknown>> = {
  companyName: 'Shop Example Ltd',
  postalAddress: 'Example Street 1, 00-001 Example City, Poland',
};

/** The least a deployment must say: the SES sender and who the mails are from. */
export const SES_CONTEXT: Readonly<Record<string, unknown>> = { ...SENDER_CONTEXT, senderAddress: 'offers@shop.example' };

export const HTTP_CONTEXT: Readonly<Record<string, unknown>> = {
  ...SENDER_CONTEXT,
  deliveryChannel: 'http',
  forwardUrl: 'https://crm.shop.example/hooks/voucherify',
};

export const contextReader =
  (context: Readonly<Record<string, unknown>>) =>
  (key: string): unknown =>
    context[key];

export interface BuiltStack {
  readonly app: App;
  readonly stack: VoucherifyWebhookStack;
  readonly template: Template;
}

export function buildStack(context: Readonly<Record<string, unknown>> = SES_CONTEXT, options: { bundle?: boolean } = {}): BuiltStack {
  const app = new App({ context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = new VoucherifyWebhookStack(app, 'WebhookStack', { config: readWebhookStackConfig(contextReader(context)) });
  return { app, stack, template: Template.fromStack(stack) };
}

export type TemplateJson = {
  Resources: Record<
    string,
    {
      Type: string;
      Properties?: Record<string, unknown>;
      Metadata?: Record<string, unknown>;
      DeletionPolicy?: string;
      UpdateReplacePolicy?: string;
    }
  >;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
};

export const templateJson = (template: Template): TemplateJson => template.toJSON() as TemplateJson;

/** The resources of one type, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, TemplateJson['Resources'][string]> {
  return Object.fromEntries(Object.entries(templateJson(template).Resources).filter(([, resource]) => resource.Type === type));
}

/** The one resource of a type whose logical id starts with `prefix`. */
export function resourceNamed(template: Template, type: string, prefix: string): { id: string; properties: Record<string, unknown> } {
  const matches = Object.entries(resourcesOfType(template, type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1)
    throw new Error(`Expected one ${type} starting with ${prefix}, found ${matches.map(([id]) => id).join(', ') || 'none'}`);
  const [id, resource] = matches[0] as [string, TemplateJson['Resources'][string]];
  return { id, properties: resource.Properties ?? {} };
}

/** CloudFormation's rendering of a token, e.g. `{ Ref: 'X' }`, for comparisons. */
export const resolved = (stack: Stack, value: unknown): unknown => stack.resolve(value);

/**
 * The template with every asset hash (64 hex digits: S3 keys, asset paths, bucket names) replaced,
 * so a snapshot changes when the infrastructure does, not when a line of function code does.
 */
export function withoutAssetHashes(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/[0-9a-f]{64}/g, '[asset hash]')) as unknown;
}
