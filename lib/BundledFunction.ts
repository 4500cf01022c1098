import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface BundledFunctionProps {
  /** The TypeScript file exporting `handler`. */
  readonly entry: string;
  /** Directory holding package-lock.json; esbuild resolves dependencies from here. */
  readonly projectRoot: string;
  /**
   * Logical id of the function in the template, pinned so `sam local invoke … <LogicalId>` and
   * events/env.json keep working whatever the construct tree looks like.
   */
  readonly logicalId: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  /** POWERTOOLS_SERVICE_NAME: the `service` dimension of the function's metrics. */
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly logLevel: string;
  /**
   * Apply the bundle's source map to stack traces at run time (NODE_OPTIONS=--enable-source-maps).
   * Off by default: it lengthens every cold start, the worker's most (BENCHMARKS.md, "Cold start"). The .map file ships with the code either way, so a minified
   * trace can be mapped back offline.
   */
  readonly runtimeSourceMaps: boolean;
}

/**
 * How every function is bundled, defined once for the stack and the benchmarks (bench/support).
 *
 * CommonJS output: an ES module that imports a Node built-in such as node:http (as Middy's util and
 * the SDK do) makes Node build the module's whole namespace, which loads parts of Node the function
 * never uses before its first line runs; `require` does not. Module-first main fields let esbuild
 * take the ES builds of the SDK and tree-shake them.
 *
 * The alias replaces the SDK's default credential chain with an environment-only provider
 * (functions/shared/lambdaCredentials.ts says why); relative to the project root, where the local
 * esbuild runs.
 */
export const BUNDLE_SETTINGS = {
  format: 'cjs',
  mainFields: ['module', 'main'],
  target: 'node24',
  minify: true,
  aliases: { '@aws-sdk/credential-provider-node': './functions/shared/lambdaCredentials.ts' } as Readonly<Record<string, string>>,
} as const;

/**
 * The house Lambda function: Node.js 24 on arm64, one minified file with source maps built by
 * the local esbuild (never Docker), its own log group with a retention, and a role that may only
 * write to that log group until the stack grants it more.
 *
 * The AWS SDK is bundled (`bundleAwsSDK`), not taken from the runtime: the SDK versions the tests
 * run against are the versions that run in Lambda, and a runtime update cannot change them. Its
 * credentials come from the environment only (BUNDLE_SETTINGS).
 */
export class BundledFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      // Logs outlive the stack: they are the record of what was delivered to whom and why.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      description: props.description,
      role: this.role,
      // Lambda's START/END/REPORT lines stay: loggingFormat JSON with systemLogLevelV2 WARN would drop
      // them, but Powertools would then take its level from Lambda's rather than POWERTOOLS_LOG_LEVEL,
      // and whether a timeout is still reported at WARN is unverified.
      logGroup: this.logGroup,
      // The stack adds each function's own variables once the resources they name exist.
      environment: {
        ...(props.runtimeSourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
      },
      bundling: {
        format: OutputFormat.CJS,
        mainFields: [...BUNDLE_SETTINGS.mainFields],
        target: BUNDLE_SETTINGS.target,
        minify: BUNDLE_SETTINGS.minify,
        sourceMap: true,
        sourcesContent: false,
        bundleAwsSDK: true,
        esbuildArgs: { '--alias': Object.entries(BUNDLE_SETTINGS.aliases).map(([name, replacement]) => `${name}=${replacement}`) },
        forceDockerBundling: false,
      },
    });
    (this.function.node.defaultChild as CfnFunction).overrideLogicalId(props.logicalId);
  }
}
