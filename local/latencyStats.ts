/** Percentiles and a one-line progress bar for the command-line tools. */

/** Nearest-rank percentile of already collected samples (0 when there are none). */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}

export interface ProgressBar {
  update(done: number, detail?: string): void;
  finish(): void;
}

/** Redraws one line on a terminal; prints nothing when stderr is not a terminal (CI, pipes). */
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const width = 30;
  let lastDraw = 0;
  const draw = (done: number, detail: string) => {
    const filled = total === 0 ? width : Math.round((done / total) * width);
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${done}/${total} ${detail}\x1b[K`);
  };
  return {
    update(done, detail = '') {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      draw(done, detail);
    },
    finish() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}

/** A plain text table with aligned columns. */
export function formatTable(rows: readonly (readonly (string | number)[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [column, cell] of row.entries()) widths[column] = Math.max(widths[column] ?? 0, String(cell).length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, column) => String(cell).padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
