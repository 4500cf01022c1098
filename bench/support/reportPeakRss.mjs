/**
 * Preloaded (`node --import`) into a process whose peak memory a benchmark wants: writes the
 * process's own high-water mark (getrusage maxrss) to $BENCH_PEAK_RSS_FILE when it exits, however
 * it exits (process.exit included).
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_PEAK_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }));
  });
}
