/**
 * npm run invoke -- -t cdk.out/<Stack>.template.json <LogicalId> -e events/<file> [-n events/env.json]
 *
 * An offline stand-in for `sam local invoke` (SAM and Docker are not available on every machine):
 * it reads the synthesized template the way SAM does — the function's `aws:asset:path` metadata,
 * `Handler`, `Timeout`, `MemorySize` and `Environment.Variables`, with values the template cannot
 * resolve (Refs, GetAtts) replaced by the `--env-vars` file — imports the bundled asset from
 * cdk.out into this Node 24 process and invokes its handler with the event. The handler's result
 * is printed as JSON on stdout; the function's own output (logs, metrics) goes to stderr.
 *
 * Differences from SAM, on purpose or by necessity: the function runs in this process, not in a
 * Lambda container, so it also sees this shell's environment (AWS_REGION, credentials,
 * AWS_ENDPOINT_URL_* for local servers), and its architecture is the machine's. Like SAM, only
 * variables the template declares are taken from --env-vars; others are reported and ignored.
 *
 * Exit status: 0 when the handler returned, 1 when it threw or timed out (the error is printed as
 * Lambda prints it), 2 when the command line, template or event is unusable.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { lambdaContext } from '../local/lambdaEvents.ts';

export class InvokeUsageError extends Error {
  override readonly name = 'InvokeUsageError';
}

/** What SAM reads of one AWS::Lambda::Function in a CDK template. */
export interface TemplateFunction {
  readonly logicalId: string;
  /** Directory of the bundled code (cdk.out/asset.<hash>). */
  readonly assetDirectory: string;
  /** `index.handler` → module `index`, export `handler`. */
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** Each declared variable: its value, or `undefined` when it is an intrinsic the template cannot resolve. */
  readonly variables: Readonly<Record<string, string | undefined>>;
}

interface TemplateResource {
  readonly Type?: string;
  readonly Metadata?: Record<string, unknown>;
  readonly Properties?: {
    readonly Handler?: string;
    readonly Timeout?: number;
    readonly MemorySize?: number;
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
  };
}

/** SAM's rule for a value: objects, lists and null become blank; booleans "true"/"false". */
const stringify = (value: unknown): string => (value === null || value === undefined || typeof value === 'object' ? '' : String(value));

/** Lambda's defaults when a template leaves them out. */
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_SIZE = 128;

export function readTemplateFunction(templatePath: string, logicalId: string): TemplateFunction {
  let template: { Resources?: Record<string, TemplateResource> };
  try {
    template = JSON.parse(readFileSync(templatePath, 'utf8')) as typeof template;
  } catch (error) {
    throw new InvokeUsageError(`Cannot read the template ${templatePath}: ${(error as Error).message}. Run npm run synth first.`);
  }
  const resources = template.Resources ?? {};
  const resource = resources[logicalId];
  const functions = Object.entries(resources)
    .filter(([, candidate]) => candidate.Type === 'AWS::Lambda::Function')
    .map(([id]) => id);
  if (resource?.Type !== 'AWS::Lambda::Function') {
    throw new InvokeUsageError(`${logicalId} is not a function in ${templatePath}; its functions are: ${functions.join(', ')}`);
  }
  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string' || resource.Metadata?.['aws:asset:property'] !== 'Code') {
    throw new InvokeUsageError(
      `${logicalId} has no aws:asset:path metadata for its Code: synthesize with the CDK CLI (npm run synth), which records it`,
    );
  }
  const handler = resource.Properties?.Handler;
  if (!handler?.includes('.')) throw new InvokeUsageError(`${logicalId} has no Handler of the form file.export`);

  const variables: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(resource.Properties?.Environment?.Variables ?? {})) {
    variables[name] = value === null || typeof value === 'object' ? undefined : stringify(value);
  }
  return {
    logicalId,
    assetDirectory: isAbsolute(assetPath) ? assetPath : join(dirname(templatePath), assetPath),
    handler,
    timeoutSeconds: resource.Properties?.Timeout ?? DEFAULT_TIMEOUT_SECONDS,
    memorySize: resource.Properties?.MemorySize ?? DEFAULT_MEMORY_SIZE,
    variables,
  };
}

/** SAM's --env-vars file: `{ "<LogicalId>": {…}, "Parameters": {…for every function} }`. */
export type EnvVarsFile = Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>;

export interface ResolvedEnvironment {
  readonly variables: Record<string, string>;
  /** Human-readable notes about what was ignored or left blank, for stderr. */
  readonly notes: string[];
}

/**
 * The function's environment as SAM builds it (samcli/local/lambdafn/env_vars.py): for each
 * variable the template declares, the env-vars file's value (its `Parameters`, then its entry for
 * this function) wins over the shell's value, which wins over the template's; an intrinsic nobody
 * resolved becomes an empty string, and booleans become "true"/"false". Variables the template
 * does not declare are not taken from the file.
 */
export function resolveEnvironment(
  fn: TemplateFunction,
  envVars: EnvVarsFile = {},
  shell: Readonly<Record<string, string | undefined>> = {},
): ResolvedEnvironment {
  const notes: string[] = [];
  const overrides: Record<string, unknown> = {};
  for (const source of ['Parameters', fn.logicalId]) {
    for (const [name, value] of Object.entries(envVars[source] ?? {})) {
      if (!(name in fn.variables)) {
        notes.push(`${name} from --env-vars ignored: ${fn.logicalId} does not declare it in the template (as sam local invoke does)`);
        continue;
      }
      overrides[name] = value;
    }
  }
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.variables)) {
    if (name in overrides) variables[name] = stringify(overrides[name]);
    else if (shell[name] !== undefined) variables[name] = shell[name] ?? '';
    else if (value !== undefined) variables[name] = value;
    else {
      variables[name] = '';
      notes.push(`${name} is an intrinsic the template cannot resolve and --env-vars does not give it: set to ""`);
    }
  }
  return { variables, notes };
}

/** The file the handler's module lives in: `index.handler` → asset.<hash>/index.mjs (or .js, .cjs). */
export function handlerModule(fn: TemplateFunction): { file: string; exportName: string } {
  const separator = fn.handler.lastIndexOf('.');
  const modulePath = fn.handler.slice(0, separator);
  const exportName = fn.handler.slice(separator + 1);
  for (const extension of ['.mjs', '.js', '.cjs']) {
    const file = join(fn.assetDirectory, `${modulePath}${extension}`);
    if (existsSync(file)) return { file, exportName };
  }
  throw new InvokeUsageError(`No ${modulePath}.mjs, .js or .cjs in ${fn.assetDirectory}: synthesize again (npm run synth)`);
}

/**
 * Loads a bundle the way Lambda does from /var/task: a `.js` file there is CommonJS, as no
 * package.json says otherwise. Inside this project one says "type": "module", so a `.js` asset is
 * copied (with its source map) to a directory of its own outside it first.
 */
async function loadAsLambdaDoes(file: string): Promise<Record<string, unknown>> {
  if (extname(file) !== '.js') return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const taskRoot = join(tmpdir(), `invoke-local-${createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16)}`);
  if (!existsSync(taskRoot)) cpSync(dirname(file), taskRoot, { recursive: true });
  return createRequire(join(taskRoot, 'index.js'))(join(taskRoot, basename(file))) as Record<string, unknown>;
}

export interface InvokeResult {
  readonly ok: boolean;
  /** What Lambda would return: the handler's result, or the error as Lambda reports it. */
  readonly payload: unknown;
  readonly durationMs: number;
  readonly requestId: string;
}

type Handler = (event: unknown, context: unknown) => unknown;

/**
 * Sets the function's environment on this process, imports its bundle and invokes the handler,
 * enforcing the template's timeout. Everything the function writes to stdout while loading and
 * running is sent to stderr, so stdout carries only the result.
 */
export async function invokeFunction(fn: TemplateFunction, environment: Record<string, string>, event: unknown): Promise<InvokeResult> {
  const { file, exportName } = handlerModule(fn);
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // What SAM puts in every function's environment; credentials come from the SDK's own chain here.
  Object.assign(process.env, {
    AWS_SAM_LOCAL: 'true',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_LAMBDA_FUNCTION_HANDLER: fn.handler,
    AWS_LAMBDA_LOG_GROUP_NAME: `aws/lambda/${fn.logicalId}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(fn.timeoutSeconds),
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: fn.assetDirectory,
    ...environment,
  });
  // NODE_OPTIONS cannot change a running process; honour the one setting the stack uses.
  if (environment.NODE_OPTIONS?.includes('--enable-source-maps')) process.setSourceMapsEnabled(true);

  const stdoutWrite = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  const timeoutMs = fn.timeoutSeconds * 1000;
  let context = { ...lambdaContext(fn.logicalId, timeoutMs), memoryLimitInMB: String(fn.memorySize) };
  let started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    // Loading the module is Lambda's init phase: it is not part of the invocation's timeout or duration.
    const module = await loadAsLambdaDoes(file);
    const handler = module[exportName];
    if (typeof handler !== 'function') throw new InvokeUsageError(`${file} does not export a function named ${exportName}`);
    context = { ...lambdaContext(fn.logicalId, timeoutMs), memoryLimitInMB: String(fn.memorySize) };
    started = performance.now();
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`)), timeoutMs);
    });
    const payload = await Promise.race([Promise.resolve((handler as Handler)(event, context)), timedOut]);
    return { ok: true, payload: payload ?? null, durationMs: performance.now() - started, requestId: context.awsRequestId };
  } catch (error) {
    if (error instanceof InvokeUsageError) throw error;
    const failure = error instanceof Error ? error : new Error(String(error));
    return {
      ok: false,
      payload: { errorType: failure.name, errorMessage: failure.message, trace: (failure.stack ?? '').split('\n') },
      durationMs: performance.now() - started,
      requestId: context.awsRequestId,
    };
  } finally {
    clearTimeout(timer);
    process.stdout.write = stdoutWrite;
  }
}

function readJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new InvokeUsageError(`Cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

const USAGE = 'usage: npm run invoke -- -t cdk.out/<Stack>.template.json <LogicalId> -e events/<file>.json [-n events/env.json]';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      template: { type: 'string', short: 't' },
      event: { type: 'string', short: 'e' },
      'env-vars': { type: 'string', short: 'n' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.error(USAGE);
    return 0;
  }
  const [logicalId, ...extra] = positionals;
  if (!values.template || !values.event || !logicalId || extra.length > 0) throw new InvokeUsageError(USAGE);

  const fn = readTemplateFunction(resolve(values.template), logicalId);
  const envVars = values['env-vars'] ? (readJsonFile(resolve(values['env-vars']), 'the env-vars file') as EnvVarsFile) : {};
  const event = readJsonFile(resolve(values.event), 'the event');
  const { variables, notes } = resolveEnvironment(fn, envVars, process.env);
  for (const note of notes) console.error(`note: ${note}`);

  const result = await invokeFunction(fn, variables, event);
  console.error(
    `REPORT RequestId: ${result.requestId}\tFunction: ${fn.logicalId}\tDuration: ${result.durationMs.toFixed(2)} ms\tTimeout: ${fn.timeoutSeconds} s\tMemory Size: ${fn.memorySize} MB`,
  );
  await new Promise<void>((done) => process.stdout.write(`${JSON.stringify(result.payload)}\n`, () => done()));
  return result.ok ? 0 : 1;
}

if (import.meta.main) {
  let status: number;
  try {
    status = await main(process.argv.slice(2));
  } catch (error) {
    console.error(
      error instanceof InvokeUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
        ? (error as Error).message
        : error,
    );
    status = 2;
  }
  // The function may leave sockets open (SDK keep-alive); a Lambda container would be frozen here.
  process.exit(status);
}
