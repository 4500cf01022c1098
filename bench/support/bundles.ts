/**
 * Bundles for the cold-start and memory benchmarks: the production ones, read from the synthesized
 * template in cdk.out exactly as `sam local invoke` (and scripts/invoke-local.ts) find them, and the
 * floor and comparator ones, built here with the same esbuild settings the stack uses
 * (lib/BundledFunction.ts: ESM, module-first main fields, the createRequire banner, minified, source
 * maps without sources content, the AWS SDK bundled), its aliases only when asked for.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BUNDLE_ALIASES } from '../../lib/BundledFunction.ts';
import { readTemplateFunction, type TemplateFunction } from '../../scripts/invoke-local.ts';
import { PROJECT_ROOT } from './results.ts';

export const STACK_TEMPLATE = join(PROJECT_ROOT, 'cdk.out', 'VoucherifySegmentWebhook.template.json');

export interface Bundle {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  /** No `import … from "@aws-sdk/…"` left in the bundle: the SDK is inside it. */
  readonly sdkBundled: boolean;
}

export function describeBundle(name: string, file: string): Bundle {
  const text = readFileSync(file);
  return {
    name,
    file,
    bytes: text.length,
    gzipBytes: gzipSync(text, { level: 9 }).length,
    sourceMapBytes: existsSync(`${file}.map`) ? statSync(`${file}.map`).size : 0,
    sdkBundled: !/from\s*["']@aws-sdk\//.test(text.toString('utf8')),
  };
}

/** A production function from cdk.out: its bundle and its template entry (variables, memory size). */
export function productionFunction(logicalId: string): { bundle: Bundle; template: TemplateFunction } {
  if (!existsSync(STACK_TEMPLATE)) throw new Error(`${STACK_TEMPLATE} is missing: run npm run synth first`);
  const template = readTemplateFunction(STACK_TEMPLATE, logicalId);
  return { bundle: describeBundle(logicalId, join(template.assetDirectory, 'index.mjs')), template };
}

/** The banner lib/BundledFunction.ts writes at the top of every ESM bundle. */
const CREATE_REQUIRE_BANNER = "import{createRequire}from'node:module';const require=createRequire(import.meta.url);";

/**
 * Builds a bundle with the stack's esbuild settings. `withStackAliases` adds the stack's aliases
 * too (BUNDLE_ALIASES: the SDK's credential chain replaced by an environment-only provider); the
 * floor and the comparators are built without them by default, as the issue describes them (the SDK
 * bundled whole), and the floor once more with them for a like-for-like comparison.
 */
export async function buildLikeTheStack(name: string, entry: string, outDirectory: string, withStackAliases = false): Promise<Bundle> {
  mkdirSync(outDirectory, { recursive: true });
  const outfile = join(outDirectory, name, 'index.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    target: 'node24',
    platform: 'node',
    format: 'esm',
    outfile,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: CREATE_REQUIRE_BANNER },
    mainFields: ['module', 'main'],
    logLevel: 'error',
    ...(withStackAliases
      ? { alias: Object.fromEntries(Object.entries(BUNDLE_ALIASES).map(([name, replacement]) => [name, join(PROJECT_ROOT, replacement)])) }
      : {}),
  });
  return describeBundle(name, outfile);
}

/**
 * The heap flags Lambda's Node.js runtime bootstrap passes for a memory size: a tenth of it for
 * the young generation (half of that per semi-space), the rest for the old generation. Without
 * them V8 sizes its heap from this machine's 24 GB and barely collects, which makes RSS here say
 * nothing about RSS on Lambda.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return ['--expose-gc', `--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}
