/**
 * A line chart of per-second counts as a standalone SVG (what `npm run load -- --plot` writes):
 * one step line per series, horizontal reference lines (a provider's rate), labelled axes, a legend
 * and a title, on a white background so it reads the same in GitHub's light and dark themes. Hand
 * written: a chart library would weigh more than the one chart it draws.
 */

export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  /** values[i]: the count during second i. */
  readonly values: readonly number[];
}

export interface ChartReferenceLine {
  readonly name: string;
  readonly color: string;
  readonly value: number;
}

export interface PerSecondChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly referenceLines?: readonly ChartReferenceLine[];
  readonly width?: number;
  readonly height?: number;
}

const MARGIN = { right: 24, bottom: 56, left: 72 } as const;
/** Where the legend's first row sits, below the title, and the height of each row. */
const LEGEND_TOP = 48;
const LEGEND_ROW = 20;
/** Helvetica at 12 px averages under this many pixels a character: enough to keep legend entries apart. */
const LEGEND_CHARACTER_WIDTH = 7.2;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

export function perSecondChartSvg(chart: PerSecondChart): string {
  const width = chart.width ?? 900;
  const height = chart.height ?? 500;
  const references = chart.referenceLines ?? [];
  const legend = legendItems(
    [
      ...chart.series.map((series) => ({ name: series.name, color: series.color, dashed: false })),
      ...references.map((line) => ({ name: line.name, color: line.color, dashed: true })),
    ],
    MARGIN.left,
    width - MARGIN.right,
  );
  const seconds = Math.max(1, ...chart.series.map((series) => series.values.length));
  const highest = Math.max(1, ...chart.series.flatMap((series) => series.values), ...references.map((line) => line.value));
  const xTicks = ticks(seconds);
  const yTicks = ticks(highest);
  const xMax = xTicks.at(-1)!;
  const yMax = yTicks.at(-1)!;
  const top = LEGEND_TOP + legend.rows * LEGEND_ROW + 16;
  const plot = { left: MARGIN.left, top, width: width - MARGIN.left - MARGIN.right, height: height - top - MARGIN.bottom };
  const x = (second: number) => round(plot.left + (second / xMax) * plot.width);
  const y = (value: number) => round(plot.top + plot.height - (value / yMax) * plot.height);
  const bottom = plot.top + plot.height;

  const grid = [
    ...yTicks.map(
      (tick) =>
        `<line x1="${plot.left}" y1="${y(tick)}" x2="${plot.left + plot.width}" y2="${y(tick)}" stroke="#e5e5e5"/>` +
        `<text x="${plot.left - 8}" y="${y(tick) + 4}" text-anchor="end" font-size="12" fill="#333">${tick}</text>`,
    ),
    ...xTicks.map(
      (tick) =>
        `<line x1="${x(tick)}" y1="${bottom}" x2="${x(tick)}" y2="${bottom + 5}" stroke="#333"/>` +
        `<text x="${x(tick)}" y="${bottom + 20}" text-anchor="middle" font-size="12" fill="#333">${tick}</text>`,
    ),
  ];
  const axes = [
    `<line x1="${plot.left}" y1="${plot.top}" x2="${plot.left}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${plot.left}" y1="${bottom}" x2="${plot.left + plot.width}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${plot.left + plot.width / 2}" y="${height - 12}" text-anchor="middle" font-size="13" fill="#111">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(18 ${plot.top + plot.height / 2}) rotate(-90)" text-anchor="middle" font-size="13" fill="#111">${escapeXml(chart.yLabel)}</text>`,
  ];
  const lines = chart.series.map(
    (series) =>
      `<polyline data-series="${escapeXml(series.name)}" fill="none" stroke="${series.color}" stroke-width="1.5" stroke-linejoin="round" points="${stepPoints(series.values, x, y)}"/>`,
  );
  const referenceLines = references.map(
    (line) =>
      `<line data-reference="${escapeXml(line.name)}" x1="${plot.left}" y1="${y(line.value)}" x2="${plot.left + plot.width}" y2="${y(line.value)}" stroke="${line.color}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="26" text-anchor="middle" font-size="16" font-weight="bold" fill="#111">${escapeXml(chart.title)}</text>`,
    ...legend.markup,
    ...grid,
    ...lines,
    ...referenceLines,
    ...axes,
    '</svg>',
    '',
  ].join('\n');
}

/** Legend entries left to right, wrapped onto a new row where the next would pass `right`. */
function legendItems(entries: readonly { name: string; color: string; dashed: boolean }[], left: number, right: number) {
  let x = left;
  let row = 0;
  const markup = entries.map((entry) => {
    const entryWidth = 30 + entry.name.length * LEGEND_CHARACTER_WIDTH;
    if (x > left && x + entryWidth > right) {
      x = left;
      row++;
    }
    const y = LEGEND_TOP + row * LEGEND_ROW;
    const item =
      `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${entry.color}" stroke-width="2.5"${entry.dashed ? ' stroke-dasharray="6 4"' : ''}/>` +
      `<text x="${x + 30}" y="${y + 4}" font-size="12" fill="#111">${escapeXml(entry.name)}</text>`;
    x += round(entryWidth + 24);
    return item;
  });
  return { markup, rows: row + 1 };
}

/** Counts of the given times (epoch ms) in each whole second from `originMs`, over `seconds` seconds. */
export function countsPerSecond(timesMs: readonly number[], originMs: number, seconds: number): number[] {
  const counts = new Array<number>(Math.max(0, seconds)).fill(0);
  for (const atMs of timesMs) {
    const second = Math.floor((atMs - originMs) / 1000);
    if (second >= 0 && second < counts.length) counts[second]!++;
  }
  return counts;
}

/** A step line: each second's count held flat across that second. */
function stepPoints(values: readonly number[], x: (second: number) => number, y: (value: number) => number): string {
  return values.flatMap((value, second) => [`${x(second)},${y(value)}`, `${x(second + 1)},${y(value)}`]).join(' ');
}

/** Round tick values from 0 to at least `max`, about five of them, at steps of 1, 2 or 5 × 10^n. */
export function ticks(max: number): number[] {
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough) ?? 10 * magnitude;
  const roundedStep = Math.max(1, step);
  const result: number[] = [];
  for (let tick = 0; tick < max + roundedStep; tick += roundedStep) {
    result.push(tick);
    if (tick >= max) break;
  }
  return result;
}

const round = (value: number): number => Math.round(value * 10) / 10;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
