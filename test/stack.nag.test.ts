import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { App, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { VoucherifyWebhookStack } from '../lib/VoucherifyWebhookStack.ts';
import { readWebhookStackConfig } from '../lib/webhookStackConfig.ts';
import { contextReader, HTTP_CONTEXT, SES_CONTEXT } from './support/webhookStack.ts';

const outdirs: string[] = [];
afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Synthesizes the stack with cdk-nag's AwsSolutions pack, as `npm run nag` does. */
function synthesizeWithNag(
  context: Record<string, unknown>,
  addToStack: (stack: VoucherifyWebhookStack) => void = () => undefined,
): { error: unknown; report: unknown; acknowledgements: Acknowledgement[] } {
  const outdir = mkdtempSync(join(tmpdir(), 'webhook-nag-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  addToStack(new VoucherifyWebhookStack(app, 'WebhookStack', { config: readWebhookStackConfig(contextReader(context)) }));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: unknown;
  try {
    app.synth();
  } catch (caught) {
    error = caught;
  }
  let report: unknown;
  try {
    report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
  } catch {
    report = undefined;
  }
  const acknowledgements: Acknowledgement[] = [];
  const visit = (construct: IConstruct) => {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      // Recorded as { 'AwsSolutions::AwsSolutions-SMG4': reason }; a finding id may hold '::' itself.
      for (const [qualifiedId, reason] of Object.entries(entry.data as Record<string, string>)) {
        acknowledgements.push({ path: construct.node.path, id: qualifiedId.replace(/^[^:]+::/, ''), reason });
      }
    }
    for (const child of construct.node.children) visit(child);
  };
  visit(app);
  return { error, report, acknowledgements };
}

const violationsOf = (report: unknown): unknown[] =>
  ((report as { pluginReports?: Array<{ violations?: unknown[] }> } | undefined)?.pluginReports ?? []).flatMap(
    (plugin) => plugin.violations ?? [],
  );

describe('cdk-nag AwsSolutions checks', () => {
  const ses = synthesizeWithNag(SES_CONTEXT);
  const http = synthesizeWithNag(HTTP_CONTEXT);

  test.each([
    ['ses', ses],
    ['http', http],
  ])('the %s stack synthesizes with no unacknowledged finding', (_, result) => {
    expect(result.error).toBeUndefined();
    expect(violationsOf(result.report)).toEqual([]);
  });

  test('only the findings that cannot apply to a Voucherify webhook receiver are acknowledged, each where it occurs', () => {
    expect(ses.acknowledgements.map(({ path, id }) => ({ path, id }))).toEqual([
      { path: 'WebhookStack/WebhookSigningSecret', id: 'AwsSolutions-SMG4' },
      { path: 'WebhookStack/UnsubscribeSecret', id: 'AwsSolutions-SMG4' },
      { path: 'WebhookStack/Distribute/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Resource::*]' },
      {
        path: 'WebhookStack/Distribute/Role/DefaultPolicy',
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:configuration-set/*]',
      },
      { path: 'WebhookStack/WebhookApi/POST--webhooks--voucherify', id: 'AwsSolutions-APIG4' },
      { path: 'WebhookStack/WebhookApi/GET--unsubscribe', id: 'AwsSolutions-APIG4' },
      { path: 'WebhookStack/WebhookApi/POST--unsubscribe', id: 'AwsSolutions-APIG4' },
    ]);
    expect(http.acknowledgements.map(({ path, id }) => ({ path, id }))).toEqual([
      { path: 'WebhookStack/WebhookSigningSecret', id: 'AwsSolutions-SMG4' },
      { path: 'WebhookStack/UnsubscribeSecret', id: 'AwsSolutions-SMG4' },
      { path: 'WebhookStack/ForwardSigningSecret', id: 'AwsSolutions-SMG4' },
      { path: 'WebhookStack/WebhookApi/POST--webhooks--voucherify', id: 'AwsSolutions-APIG4' },
      { path: 'WebhookStack/WebhookApi/GET--unsubscribe', id: 'AwsSolutions-APIG4' },
      { path: 'WebhookStack/WebhookApi/POST--unsubscribe', id: 'AwsSolutions-APIG4' },
    ]);
  });

  test('every acknowledgement gives a specific reason', () => {
    for (const { reason } of [...ses.acknowledgements, ...http.acknowledgements]) {
      expect(reason.length).toBeGreaterThan(120);
      expect(reason).toMatch(/Voucherify|receiver/);
    }
  });

  test('the checks really run on this stack: an unacknowledged secret added to it is reported', () => {
    const probed = synthesizeWithNag(SES_CONTEXT, (stack) => new Secret(stack, 'Probe'));
    expect(String(probed.error)).toMatch(/ValidationFailed/);
    expect(violationsOf(probed.report)).toEqual([
      expect.objectContaining({
        ruleName: 'AwsSolutions-SMG4',
        violatingConstructs: [expect.objectContaining({ constructPath: 'WebhookStack/Probe/Resource' })],
      }),
    ]);
  });
});
