/**
 * Every function measured here is a bundle built with the stack's esbuild settings
 * (BUNDLE_SETTINGS in lib/BundledFunction.ts, the AWS SDK bundled), so ours, the floors and a
 * baseline are on equal footing and are what Lambda would run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BUNDLE_SETTINGS } from '../../lib/BundledFunction.ts';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

export interface Bundle {
  readonly file: string;
  readonly kib: number;
  readonly gzipKib: number;
}

/**
 * `sourceRoot` is where the alias targets live: the project, or a baseline's extracted copy (a ref
 * older than an alias's target is bundled without that alias, as it was deployed).
 */
export async function bundle(entry: string, outDirectory: string, sourceRoot = PROJECT_ROOT): Promise<Bundle> {
  const file = join(outDirectory, 'index.cjs');
  await build({
    entryPoints: [entry],
    outfile: file,
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    target: BUNDLE_SETTINGS.target,
    format: BUNDLE_SETTINGS.format,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    minify: BUNDLE_SETTINGS.minify,
    sourcemap: true,
    sourcesContent: false,
    alias: Object.fromEntries(
      Object.entries(BUNDLE_SETTINGS.aliases)
        .map(([name, target]) => [name, resolve(sourceRoot, target)])
        .filter(([, target]) => existsSync(target!)),
    ),
    logLevel: 'error',
  });
  const bytes = readFileSync(file);
  return { file, kib: bytes.length / 1024, gzipKib: gzipSync(bytes, { level: 9 }).length / 1024 };
}

/**
 * A git ref's functions/ extracted inside the project (.local/, ignored by git), so esbuild resolves
 * its packages from the project's node_modules. Returns the directory and the short commit id.
 */
export function extractBaseline(ref: string): { directory: string; commit: string } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--short', `${ref}^{commit}`);
  const directory = join(PROJECT_ROOT, '.local', 'bench-baseline', commit);
  if (!existsSync(join(directory, 'functions'))) {
    mkdirSync(directory, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${commit} functions | tar -x -C '${directory}'`], { cwd: PROJECT_ROOT });
  }
  return { directory, commit };
}
