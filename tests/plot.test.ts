// The pictures of @tensorgrad/plot: what a person sees in the demo's SVGs (a legend for the classes, no seams
// between cells, a loss panel whose range one spike does not set, enough tick labels).
import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@tensorgrad/core';
import { decisionRegionsSvg, curvesSvg, niceTicks, yRangeOf } from '@tensorgrad/plot';

/** Three classes by angle around the origin. */
const predict = (x: Tensor) => {
  const n = x.shape[0];
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) out[i * 3 + Math.floor(((Math.atan2(x.data[2 * i + 1], x.data[2 * i]) + Math.PI) / (2 * Math.PI)) * 2.999)] = 1;
  return tensor(out, { shape: [n, 3] });
};
const X = tensor([[-1, -1], [1, 0.5], [0, 1], [0.5, -0.8]]);
const y = tensor([0, 1, 2, 1], { dtype: 'int32' });

/** The numbers of the labels on the y axis of the panel starting at x = `left` (labels right-aligned at left - 8). */
const yLabels = (svg: string, left: number) =>
  [...svg.matchAll(new RegExp(`<text x="${left - 8}" y="[^"]+" text-anchor="end">([^<]+)</text>`, 'g'))].map((m) => Number(m[1]));

describe('decisionRegionsSvg', () => {
  const svg = decisionRegionsSvg(predict, X, y, { resolution: 40, classNames: ['red', 'green'] });

  it('has a legend entry per class, with the names given (and class k for the rest)', () => {
    expect(svg).toContain('<g class="legend">');
    for (const name of ['red', 'green', 'class 2']) expect(svg).toContain(`>${name}</text>`);
    expect(svg.match(/<circle /g)).toHaveLength(4); // one circle per data point, none in the legend
  });

  it('draws the cells with crisp edges, edge to edge on whole pixels: no overlap, no gap', () => {
    expect(svg).toMatch(/<g [^>]*shape-rendering="crispEdges"/);
    const rects = [...svg.matchAll(/<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)" fill="#[0-9a-f]+"\/>/g)].map((m) => m.slice(1).map(Number));
    const rows = new Map<number, number[][]>();
    for (const r of rects) rows.set(r[1], [...(rows.get(r[1]) ?? []), r]);
    expect(rows.size).toBe(40);
    const tops = [...rows.keys()].sort((a, b) => a - b);
    tops.forEach((top, i) => {
      const row = rows.get(top)!.sort((a, b) => a[0] - b[0]);
      for (let j = 1; j < row.length; j++) expect(row[j][0]).toBe(row[j - 1][0] + row[j - 1][2]); // next starts where this ends
      if (i > 0) expect(top).toBe(tops[i - 1] + rows.get(tops[i - 1])![0][3]); // rows stack without gaps
      expect(row[0][0]).toBe(rows.get(tops[0])![0][0]);
    });
  });
});

describe('curvesSvg', () => {
  // a loss that falls from 1.1 to 0.1 with one spike to 50
  const loss = Array.from({ length: 200 }, (_, i) => 0.1 + Math.exp(-i / 30));
  loss[120] = 50;
  const panel = { title: 'Loss', yLabel: 'loss', series: [{ name: 'train', values: loss }] };

  it('the robust range leaves the spike out, draws it on the edge as a marker and says so', () => {
    const [lo, hi] = yRangeOf(loss);
    expect(hi).toBeLessThan(2);
    expect(lo).toBeCloseTo(Math.min(...loss), 10);
    const svg = curvesSvg([panel]);
    expect(Math.max(...yLabels(svg, 75))).toBeLessThan(2);
    expect(svg.match(/class="clipped"/g)).toHaveLength(1);
    expect(svg).toContain('1 point outside the range drawn on its edge');
    // 'full' keeps every value in range, as before
    const full = curvesSvg([{ ...panel, yRange: 'full' }]);
    expect(Math.max(...yLabels(full, 75))).toBeGreaterThanOrEqual(40);
    expect(full).not.toContain('class="clipped"');
  });

  it('a curve without outliers keeps its whole range (accuracy rising from 0.3 to 0.95)', () => {
    const acc = Array.from({ length: 300 }, (_, i) => 0.95 - 0.65 * Math.exp(-i / 40));
    expect(yRangeOf(acc)).toEqual([Math.min(...acc), Math.max(...acc)]);
  });

  it('at least 4 tick labels on each axis (the old loss panel of [0.05, 1.1] had 2)', () => {
    expect(niceTicks(0.05, 1.1).length).toBeGreaterThanOrEqual(4);
    for (const [lo, hi] of [[0.05, 1.1], [0.13, 2.9], [0, 3000], [0.36, 0.97], [1e-4, 1.2e-4], [-3, 50]]) {
      const ticks = niceTicks(lo, hi);
      expect(ticks.length, `${lo}..${hi}: ${ticks}`).toBeGreaterThanOrEqual(4);
      expect(ticks.every((t) => t >= lo - 1e-12 && t <= hi + 1e-12)).toBe(true);
    }
    expect(yLabels(curvesSvg([panel]), 75).length).toBeGreaterThanOrEqual(4);
  });

  it("yScale 'log' spreads orders of magnitude and refuses values <= 0", () => {
    const values = Array.from({ length: 100 }, (_, i) => 10 ** (-i / 25));
    const labels = yLabels(curvesSvg([{ ...panel, yScale: 'log', series: [{ name: 'train', values }] }]), 75);
    expect(labels.length).toBeGreaterThanOrEqual(4);
    expect(labels).toContain(0.01);
    expect(() => curvesSvg([{ ...panel, yScale: 'log', series: [{ name: 'train', values: [1, 0] }] }])).toThrow(/values <= 0/);
  });
});
