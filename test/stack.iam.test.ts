import { describe, expect, test } from '@jest/globals';
import type { Template } from 'aws-cdk-lib/assertions';
import { FUNCTION_LOGICAL_IDS } from '../lib/functionNames.ts';
import { buildStack, HTTP_CONTEXT, resourceNamed, resourcesOfType, SES_CONTEXT, templateJson } from './support/webhookStack.ts';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
}

const actionsOf = (statement: Statement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

/** Every statement of the inline policies attached to a function's role, and its managed policies. */
function permissionsOf(template: Template, functionLogicalId: string): { statements: Statement[]; managedPolicies: unknown[] } {
  const resources = templateJson(template).Resources;
  const role = (resources[functionLogicalId]!.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties?.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((policy) => (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
  return { statements, managedPolicies: (resources[role]?.Properties?.ManagedPolicyArns as unknown[] | undefined) ?? [] };
}

/** action → resources it is allowed on, for compact comparisons. */
function grants(statements: readonly Statement[]): Record<string, unknown[]> {
  const byAction: Record<string, unknown[]> = {};
  for (const statement of statements) {
    expect(statement.Effect).toBe('Allow');
    for (const action of actionsOf(statement)) {
      byAction[action] ??= [];
      byAction[action].push(...[statement.Resource].flat());
    }
  }
  return byAction;
}

const ses = buildStack({ ...SES_CONTEXT, sesConfigurationSet: 'marketing' });
const http = buildStack(HTTP_CONTEXT);
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const ref = (id: string) => ({ Ref: id });

describe('least privilege', () => {
  test.each([
    ['ses', ses.template],
    ['http', http.template],
  ])(
    'no policy in the %s stack allows a wildcard action, or a wildcard resource but for ses:GetAccount (which has none)',
    (_, template) => {
      const documents = [
        ...Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).map((policy) => policy.Properties?.PolicyDocument),
        ...Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy')).map((policy) => policy.Properties?.PolicyDocument),
        ...Object.values(resourcesOfType(template, 'AWS::SNS::TopicPolicy')).map((policy) => policy.Properties?.PolicyDocument),
      ] as Array<{ Statement: Statement[] }>;
      expect(documents.length).toBeGreaterThan(0);
      const allows = documents.flatMap((document) => document.Statement).filter((statement) => statement.Effect === 'Allow');
      expect(allows.length).toBeGreaterThan(0);
      for (const statement of allows) {
        for (const action of actionsOf(statement)) expect(action).not.toContain('*');
        if (JSON.stringify(actionsOf(statement)) === '["ses:GetAccount"]') continue;
        expect(JSON.stringify(statement.Resource)).not.toMatch(/^"\*"$|\["\*"\]/);
      }
    },
  );

  test('the only wildcard actions are the TLS-only denials on the queues and the topic', () => {
    const denials = [
      ...Object.values(resourcesOfType(ses.template, 'AWS::SQS::QueuePolicy')),
      ...Object.values(resourcesOfType(ses.template, 'AWS::SNS::TopicPolicy')),
    ].flatMap((policy) => (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
    const wildcards = denials.filter((statement) => actionsOf(statement).some((action) => action.includes('*')));
    expect(wildcards.length).toBeGreaterThan(0);
    for (const statement of wildcards) {
      expect(statement).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    }
    // The one Allow: CloudWatch alarms publishing to the topic.
    expect(denials.filter((statement) => statement.Effect === 'Allow').map(actionsOf)).toEqual([['sns:Publish']]);
  });

  test('the unsubscribe function may only record an unsubscription, read its key and write its own logs', () => {
    const table = resourceNamed(ses.template, 'AWS::DynamoDB::Table', 'UnsubscribeTable').id;
    const secret = resourceNamed(ses.template, 'AWS::SecretsManager::Secret', 'UnsubscribeSecret').id;
    const logGroup = resourceNamed(ses.template, 'AWS::Logs::LogGroup', 'UnsubscribeLogGroup').id;
    expect(grants(permissionsOf(ses.template, FUNCTION_LOGICAL_IDS.unsubscribe).statements)).toEqual({
      'dynamodb:PutItem': [getAtt(table)],
      'secretsmanager:GetSecretValue': [ref(secret)],
      'logs:CreateLogStream': [getAtt(logGroup)],
      'logs:PutLogEvents': [getAtt(logGroup)],
    });
  });

  test.each(Object.values(FUNCTION_LOGICAL_IDS))('%s has a role of its own with no managed policies', (logicalId) => {
    expect(permissionsOf(ses.template, logicalId).managedPolicies).toEqual([]);
  });

  test('the ingest may only send to the queue, read its signing secret and write its own logs', () => {
    const queue = resourceNamed(ses.template, 'AWS::SQS::Queue', 'WebhooksQueue').id;
    const secret = resourceNamed(ses.template, 'AWS::SecretsManager::Secret', 'WebhookSigningSecret').id;
    const logGroup = resourceNamed(ses.template, 'AWS::Logs::LogGroup', 'IngestLogGroup').id;
    expect(grants(permissionsOf(ses.template, FUNCTION_LOGICAL_IDS.ingest).statements)).toEqual({
      'sqs:SendMessage': [getAtt(queue)],
      'secretsmanager:GetSecretValue': [ref(secret)],
      'logs:CreateLogStream': [getAtt(logGroup)],
      'logs:PutLogEvents': [getAtt(logGroup)],
    });
  });

  test('the ingest can touch neither DynamoDB nor SES, nor the DLQ', () => {
    const actions = permissionsOf(http.template, FUNCTION_LOGICAL_IDS.ingest).statements.flatMap(actionsOf);
    expect(actions.filter((action) => action.startsWith('dynamodb:') || action.startsWith('ses:'))).toEqual([]);
    const deadLetterQueue = resourceNamed(ses.template, 'AWS::SQS::Queue', 'WebhooksDeadLetterQueue').id;
    expect(JSON.stringify(permissionsOf(ses.template, FUNCTION_LOGICAL_IDS.ingest).statements)).not.toContain(deadLetterQueue);
  });

  test('the worker consumes the queue, puts records back on it, sends to the DLQ, claims and completes on its table, reads the unsubscribes and writes its own logs', () => {
    const queue = resourceNamed(ses.template, 'AWS::SQS::Queue', 'WebhooksQueue').id;
    const deadLetterQueue = resourceNamed(ses.template, 'AWS::SQS::Queue', 'WebhooksDeadLetterQueue').id;
    const table = resourceNamed(ses.template, 'AWS::DynamoDB::Table', 'IdempotencyTable').id;
    const unsubscribes = resourceNamed(ses.template, 'AWS::DynamoDB::Table', 'UnsubscribeTable').id;
    const logGroup = resourceNamed(ses.template, 'AWS::Logs::LogGroup', 'DistributeLogGroup').id;
    const byAction = grants(permissionsOf(ses.template, FUNCTION_LOGICAL_IDS.distribute).statements);
    expect(byAction).toMatchObject({
      'sqs:ReceiveMessage': [getAtt(queue)],
      'sqs:DeleteMessage': [getAtt(queue)],
      'sqs:ChangeMessageVisibility': [getAtt(queue)],
      'sqs:SendMessage': [getAtt(deadLetterQueue), getAtt(queue)],
      'dynamodb:GetItem': [getAtt(table), getAtt(unsubscribes)],
      'dynamodb:PutItem': [getAtt(table)],
      'dynamodb:DeleteItem': [getAtt(table)],
      'logs:CreateLogStream': [getAtt(logGroup)],
      'logs:PutLogEvents': [getAtt(logGroup)],
    });
    expect(
      Object.keys(byAction)
        .filter((action) => action.startsWith('dynamodb:'))
        .sort(),
    ).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
  });

  test('with SES the worker may send only from the configured address, through its identity and configuration set', () => {
    const statements = permissionsOf(ses.template, FUNCTION_LOGICAL_IDS.distribute).statements.filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('ses:') && action !== 'ses:GetAccount'),
    );
    expect(statements).toHaveLength(1);
    const [statement] = statements as [Statement];
    expect(actionsOf(statement)).toEqual(['ses:SendEmail']);
    expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'offers@shop.example' } });
    const resources = JSON.stringify(statement.Resource);
    expect(resources).toContain(':identity/shop.example"');
    expect(resources).toContain(':configuration-set/marketing"');
  });

  test('SES may authorize the send against the sender address as an identity of its own, and against a default configuration set', () => {
    // The SES console's getting-started flow verifies the address itself; SES then checks both identities.
    const resources = JSON.stringify(permissionsOf(ses.template, FUNCTION_LOGICAL_IDS.distribute).statements);
    expect(resources).toContain(':identity/shop.example"');
    expect(resources).toContain(':identity/offers@shop.example"');
    // No configuration set named: one attached to the identity as its default may be checked.
    const plain = JSON.stringify(permissionsOf(buildStack(SES_CONTEXT).template, FUNCTION_LOGICAL_IDS.distribute).statements);
    expect(plain).toContain(':configuration-set/*"');
  });

  test("with SES the worker may read the account's sending rate, unless a rate is configured", () => {
    const readsAccount = (template: typeof ses.template) =>
      permissionsOf(template, FUNCTION_LOGICAL_IDS.distribute).statements.some((statement) =>
        actionsOf(statement).includes('ses:GetAccount'),
      );
    expect(readsAccount(ses.template)).toBe(true);
    expect(readsAccount(buildStack({ ...SES_CONTEXT, sendRatePerSecond: '20' }).template)).toBe(false);
  });

  test('an address identity is used when the context names one', () => {
    const addressIdentity = buildStack({ ...SES_CONTEXT, sesIdentity: 'offers@shop.example' });
    const resources = JSON.stringify(permissionsOf(addressIdentity.template, FUNCTION_LOGICAL_IDS.distribute).statements);
    expect(resources).toContain(':identity/offers@shop.example"');
  });

  test('sandbox recipients, when named, are added as identities the worker may send to', () => {
    const sandbox = buildStack({ ...SES_CONTEXT, sesSandboxRecipients: 'tester@shop.example, qa@agency.example' });
    const resources = JSON.stringify(permissionsOf(sandbox.template, FUNCTION_LOGICAL_IDS.distribute).statements);
    expect(resources).toContain(':identity/shop.example"');
    expect(resources).toContain(':identity/tester@shop.example"');
    expect(resources).toContain(':identity/qa@agency.example"');
  });

  test('with SES the worker can read only the key of the unsubscribe links', () => {
    const unsubscribeSecret = resourceNamed(ses.template, 'AWS::SecretsManager::Secret', 'UnsubscribeSecret').id;
    const byAction = grants(permissionsOf(ses.template, FUNCTION_LOGICAL_IDS.distribute).statements);
    expect(byAction['secretsmanager:GetSecretValue']).toEqual([ref(unsubscribeSecret)]);
  });

  test('with http the worker may read only the forward signing secret and the unsubscribe key, and cannot send e-mail', () => {
    const forwardSecret = resourceNamed(http.template, 'AWS::SecretsManager::Secret', 'ForwardSigningSecret').id;
    const unsubscribeSecret = resourceNamed(http.template, 'AWS::SecretsManager::Secret', 'UnsubscribeSecret').id;
    const byAction = grants(permissionsOf(http.template, FUNCTION_LOGICAL_IDS.distribute).statements);
    expect(byAction['secretsmanager:GetSecretValue']).toEqual([ref(forwardSecret), ref(unsubscribeSecret)]);
    expect(Object.keys(byAction).filter((action) => action.startsWith('ses:'))).toEqual([]);
  });
});
