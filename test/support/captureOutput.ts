import { jsonObjectLines } from '../../local/jsonObjectLines.ts';

/**
 * Captures what the process writes to stdout and stderr (Powertools logs and EMF metrics go
 * there), so tests can assert on log lines and metrics and prove what never appears in them.
 */
export interface CapturedOutput {
  readonly lines: string[];
  /** Lines that parse as JSON objects. */
  json(): Record<string, unknown>[];
  text(): string;
  restore(): void;
}

export { jsonObjectLines };

export function captureOutput(): CapturedOutput {
  const lines: string[] = [];
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture = (chunk: unknown, ...rest: unknown[]): boolean => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line.length > 0),
    );
    const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  return {
    lines,
    json: () => jsonObjectLines(lines),
    text: () => lines.join('\n'),
    restore: () => {
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
    },
  };
}

/** Sets environment variables for the duration of a suite; returns a function that restores them. */
export function setEnvironment(values: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  const apply = (entries: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(values);
  return () => apply(previous);
}

/**
 * Also catches what is written through the global console: under jest it goes to jest's own
 * buffer, not to process.stdout, so captureOutput() alone would miss it. Returns the restore.
 */
export function captureConsole(lines: string[]): () => void {
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const originals = methods.map((method) => console[method]);
  for (const method of methods) {
    console[method] = (...parts: unknown[]) => {
      lines.push(parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' '));
    };
  }
  return () => {
    for (const [index, method] of methods.entries()) console[method] = originals[index]!;
  };
}
