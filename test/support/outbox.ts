import { readFileSync } from 'node:fs';

/** The outbox channel's lines (one JSON object per delivered message), none while the file does not exist yet. */
export function readOutboxLines(file: string): Record<string, unknown>[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
