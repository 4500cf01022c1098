/**
 * The CDK app: `npx cdk synth|deploy -c key=value …` (cdk.json runs `node bin/app.ts`: Node 24
 * strips the types). Every input comes from CDK context through lib/webhookStackConfig.ts; the
 * deploy guide lists the keys and their defaults.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { VoucherifyWebhookStack } from '../lib/VoucherifyWebhookStack.ts';
import { readAppContext } from '../lib/webhookStackConfig.ts';

const app = new App();
const context = readAppContext((key) => app.node.tryGetContext(key));

new VoucherifyWebhookStack(app, context.stackName, {
  config: context.stack,
  // Unset (env-agnostic) when the CLI has no credentials, e.g. an offline synth.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

if (context.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
