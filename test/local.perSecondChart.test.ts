/**
 * The chart `npm run load -- --plot` writes: a standalone, well-formed SVG with every series, the
 * provider's rate as a line, labelled axes, a legend and a title; and the per-second counting
 * behind it.
 */
import { type BurstLoadReport, burstChartSvg } from '../local/burstLoad.ts';
import { countsPerSecond, perSecondChartSvg, ticks } from '../local/perSecondChart.ts';

/**
 * Throws unless every tag is closed in order and attribute values are quoted: a small check of
 * well-formedness, enough for the markup the chart writer emits (no comments, CDATA or doctype).
 */
function assertWellFormedXml(xml: string): void {
  const open: string[] = [];
  for (const [tag, closing, name, attributes, selfClosing] of xml.matchAll(/<(\/?)([A-Za-z][\w:-]*)([^>]*?)(\/?)>/g)) {
    if (!/^(\s+[\w:-]+="[^"<]*")*\s*$/.test(attributes ?? '')) throw new Error(`Malformed attributes in ${tag}`);
    if (closing) {
      if (open.pop() !== name) throw new Error(`Unexpected ${tag}`);
    } else if (!selfClosing) {
      open.push(name!);
    }
  }
  if (open.length > 0) throw new Error(`Unclosed <${open.join('>, <')}>`);
  if (/&(?!#\d+;|amp;|lt;|gt;|quot;|apos;)/.test(xml)) throw new Error('An unescaped &');
}

const chart = () =>
  perSecondChartSvg({
    title: 'Burst of 2,000 webhooks, http provider at 50/s <test> & more',
    xLabel: 'seconds since the first webhook was posted',
    yLabel: 'per second',
    series: [
      { name: 'webhooks accepted (202)', color: '#1f77b4', values: [400, 380, 0, 0] },
      { name: 'delivered', color: '#2ca02c', values: [48, 50, 50, 12] },
    ],
    referenceLines: [{ name: 'provider rate (50/s)', color: '#555555', value: 50 }],
  });

describe('the per-second chart', () => {
  test('is a well-formed standalone SVG on a white background', () => {
    const svg = chart();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(() => assertWellFormedXml(svg)).not.toThrow();
    expect(svg).toContain('<rect width="900" height="500" fill="#ffffff"/>');
  });

  test('draws each series as a step line over its seconds, the rate as a dashed line, with both in the legend', () => {
    const svg = chart();
    const points = (name: string) => svg.match(new RegExp(`data-series="${name}"[^>]*points="([^"]*)"`))?.[1]?.split(' ') ?? [];
    // Two points per second: the count held flat across it.
    expect(points('delivered')).toHaveLength(8);
    expect(points(String.raw`webhooks accepted \(202\)`)).toHaveLength(8);
    const [, y1, y2] = svg.match(/data-reference="provider rate \(50\/s\)"[^>]*y1="([\d.]+)"[^>]*y2="([\d.]+)"/) ?? [];
    expect(y1).toBe(y2);
    expect(svg).toMatch(/stroke-dasharray="6 4"/);
    for (const label of ['webhooks accepted (202)', 'delivered', 'provider rate (50/s)']) expect(svg).toContain(`>${label}</text>`);
  });

  test('labels both axes and escapes the title', () => {
    const svg = chart();
    expect(svg).toContain('>seconds since the first webhook was posted</text>');
    expect(svg).toContain('>per second</text>');
    expect(svg).toContain('Burst of 2,000 webhooks, http provider at 50/s &#60;test&#62; &#38; more');
  });

  test('puts the ticks at round values that cover the highest count', () => {
    expect(ticks(1)).toEqual([0, 1]);
    expect(ticks(487)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(ticks(50)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(ticks(3)).toEqual([0, 1, 2, 3]);
  });

  test('counts times into whole seconds from the origin, leaving out what falls outside', () => {
    expect(countsPerSecond([1000, 1999, 2000, 4500, 999, 9000], 1000, 4)).toEqual([2, 1, 0, 1]);
  });
});

describe('the burst chart', () => {
  test('shows webhooks accepted, throttled responses and deliveries per second against the provider rate', () => {
    const originMs = 1_700_000_000_000;
    const report = {
      summary: { count: 2000, provider_rate: 50 },
      timeline: {
        originMs,
        acceptedAtMs: [originMs + 10, originMs + 20],
        deliveredAtMs: [originMs + 1500],
        throttledAtMs: [originMs + 2100],
      },
    } as unknown as BurstLoadReport;
    const svg = burstChartSvg(report, 'ses');
    expect(() => assertWellFormedXml(svg)).not.toThrow();
    expect(svg).toContain('Burst of 2,000 webhooks, ses provider at 50/s');
    for (const series of ['webhooks accepted (202)', 'throttled responses (429)', 'delivered (accepted by the provider)']) {
      expect(svg).toContain(`data-series="${series}"`);
    }
    expect(svg).toContain('data-reference="provider rate (50/s)"');
  });
});
