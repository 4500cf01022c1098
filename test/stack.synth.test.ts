/**
 * The real thing, offline: `npx cdk synth` as a user runs it (cdk.json's `node bin/app.ts`, local
 * esbuild, no Docker, no AWS credentials), into a temporary cloud assembly. Slower than the
 * template tests (a few seconds), so it is the only test that bundles.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FUNCTION_LOGICAL_IDS } from '../lib/functionNames.ts';
import { STACK_SETTINGS } from '../lib/webhookStackConfig.ts';

const run = promisify(execFile);
const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const STACK_NAME = STACK_SETTINGS.stackName.defaultValue;
const SYNTH_TIMEOUT_MS = 120_000;

interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npx cdk …` in the project, as `npm run synth` does, with no AWS configuration at all. */
async function cdk(args: readonly string[]): Promise<CommandResult> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_')));
  try {
    const { stdout, stderr } = await run('npx', ['cdk', ...args, '--no-notices'], {
      cwd: PROJECT_ROOT,
      env: { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      timeout: SYNTH_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

interface FunctionResource {
  readonly Metadata: Record<string, unknown>;
  readonly Properties: { Handler: string; Runtime: string; Architectures: string[] };
}

const workspace = mkdtempSync(join(tmpdir(), 'webhook-synth-'));
const outdir = join(workspace, 'cdk.out');
let synth: CommandResult;
let template: { Resources: Record<string, { Type: string }> };

beforeAll(async () => {
  synth = await cdk([
    'synth',
    '--quiet',
    '-o',
    outdir,
    '-c',
    'senderAddress=offers@shop.example',
    '-c',
    'companyName=Shop Example Ltd',
    '-c',
    'postalAddress=Example Street 1, 00-001 Example City',
    '-c',
    'alarmEmail=oncall@shop.example',
  ]);
  if (synth.code === 0) template = JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.template.json`), 'utf8')) as typeof template;
}, SYNTH_TIMEOUT_MS);

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const functionResource = (logicalId: string): FunctionResource => template.Resources[logicalId] as unknown as FunctionResource;
const assetDirectory = (logicalId: string): string => join(outdir, String(functionResource(logicalId).Metadata['aws:asset:path']));

describe('npx cdk synth, offline, with bundling', () => {
  test('succeeds without AWS credentials or Docker and writes the stack’s template', () => {
    expect(synth.stderr).not.toMatch(/docker/i);
    expect(synth.code).toBe(0);
    expect(template.Resources).toBeDefined();
  });

  test('the template has the resources the stack declares, under the pinned function logical ids', () => {
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types.filter((type) => type === 'AWS::Lambda::Function')).toHaveLength(3);
    for (const type of [
      'AWS::ApiGatewayV2::Api',
      'AWS::ApiGatewayV2::Stage',
      'AWS::DynamoDB::Table',
      'AWS::SecretsManager::Secret',
      'AWS::SNS::Topic',
    ]) {
      expect(types).toContain(type);
    }
    expect(types.filter((type) => type === 'AWS::SQS::Queue')).toHaveLength(2);
    expect(types.filter((type) => type === 'AWS::DynamoDB::Table')).toHaveLength(2);
    expect(types.filter((type) => type === 'AWS::CloudWatch::Alarm').length).toBeGreaterThanOrEqual(10);
  });

  test.each(Object.values(FUNCTION_LOGICAL_IDS))('%s carries the asset metadata sam local invoke reads', (logicalId) => {
    expect(functionResource(logicalId).Metadata).toMatchObject({
      'aws:asset:path': expect.stringMatching(/^asset\.[0-9a-f]{64}$/),
      'aws:asset:is-bundled': true,
      'aws:asset:property': 'Code',
    });
    expect(functionResource(logicalId).Properties).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
    });
  });

  test.each(Object.values(FUNCTION_LOGICAL_IDS))(
    '%s is one minified CommonJS file with an external source map and nothing else',
    (logicalId) => {
      const directory = assetDirectory(logicalId);
      expect(readdirSync(directory).sort()).toEqual(['index.js', 'index.js.map']);
      const code = readFileSync(join(directory, 'index.js'), 'utf8');
      // CommonJS: Node built-ins are required; an ES import of one would make Node build its whole namespace at init.
      expect(code.startsWith('"use strict";')).toBe(true);
      expect(code).toMatch(/module\.exports/);
      expect(code).not.toMatch(/\bfrom\s*["']node:/);
      // Minified: whitespace and names squeezed out, so lines are long (templates keep a few newlines).
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
      const map = JSON.parse(readFileSync(join(directory, 'index.js.map'), 'utf8')) as {
        version: number;
        sources: string[];
        sourcesContent?: unknown;
      };
      expect(map.version).toBe(3);
      expect(map.sourcesContent).toBeUndefined();
      const folder = { IngestFunction: 'ingest', DistributeFunction: 'distribute', UnsubscribeFunction: 'unsubscribe' }[logicalId];
      expect(map.sources.some((source) => source.endsWith(`functions/${folder}/handler.ts`))).toBe(true);
    },
  );

  test.each([
    [FUNCTION_LOGICAL_IDS.ingest, '@aws-sdk/client-sqs'],
    [FUNCTION_LOGICAL_IDS.distribute, '@aws-sdk/client-dynamodb'],
  ])('%s bundles the AWS SDK (%s) instead of relying on the runtime’s', (logicalId, sdkPackage) => {
    const directory = assetDirectory(logicalId);
    const map = JSON.parse(readFileSync(join(directory, 'index.js.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.some((source) => source.includes(`node_modules/${sdkPackage}/`))).toBe(true);
    // Only the SDK's optional CRT signer is left to require: it is tried inside a try and done without.
    expect(readFileSync(join(directory, 'index.js'), 'utf8')).not.toMatch(/require\(["']@aws-sdk\/(?!signature-v4-crt|signature-v4a)/);
  });

  test.each(Object.values(FUNCTION_LOGICAL_IDS))(
    '%s takes AWS credentials from the environment only, without the default chain',
    (logicalId) => {
      const { sources } = JSON.parse(readFileSync(join(assetDirectory(logicalId), 'index.js.map'), 'utf8')) as { sources: string[] };
      expect(sources.some((source) => source.endsWith('functions/shared/lambdaCredentials.ts'))).toBe(true);
      expect(sources.some((source) => source.includes('node_modules/@aws-sdk/credential-provider-env/'))).toBe(true);
      const chain = sources.filter((source) =>
        /node_modules\/(@aws-sdk\/(credential-provider-(?!env\/)[a-z-]+|nested-clients)|@smithy\/credential-provider-imds)\//.test(source),
      );
      expect(chain).toEqual([]);
    },
  );

  test.each(Object.values(FUNCTION_LOGICAL_IDS))(
    '%s imports in a bare Node 24 with no node_modules and exports a handler function',
    async (logicalId) => {
      const isolated = mkdtempSync(join(tmpdir(), 'webhook-asset-'));
      try {
        cpSync(assetDirectory(logicalId), isolated, { recursive: true });
        const probe = 'const m = require(process.argv[1]); process.stdout.write("HANDLER:" + typeof m.handler + "\\n"); process.exit(0);';
        // As Lambda loads it from /var/task: a .js file with no package.json around it is CommonJS.
        const { stdout } = await run(process.execPath, ['-e', probe, join(isolated, 'index.js')], {
          cwd: isolated,
          env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1' },
          timeout: 30_000,
        });
        expect(stdout).toContain('HANDLER:function');
      } finally {
        rmSync(isolated, { recursive: true, force: true });
      }
    },
    30_000,
  );
});

describe('npx cdk synth refuses a bad context before building anything', () => {
  test(
    'the outbox channel stops the synth with an error that says why',
    async () => {
      const refused = await cdk(['synth', '--quiet', '-o', join(workspace, 'refused.out'), '-c', 'deliveryChannel=outbox']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('deliveryChannel: outbox');
      expect(refused.stderr).toContain('deploy with ses or http');
      expect(existsSync(join(workspace, 'refused.out', `${STACK_NAME}.template.json`))).toBe(false);
    },
    SYNTH_TIMEOUT_MS,
  );
});
