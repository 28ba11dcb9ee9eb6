// Pictures of training as SVG strings (no file access): decision regions and learning curves.
import { type Tensor, tensor, noGrad, ValueError } from '@tensorgrad/core';
import { fmt } from '@tensorgrad/core/util';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number) => (Math.round(v * 100) / 100).toString();

/** Round tick values covering [lo, hi]: about `count` of them, and never fewer than 4 (a smaller step is taken). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo) || !Number.isFinite(hi - lo)) return [lo];
  const raw = (hi - lo) / count;
  let mag = 10 ** Math.floor(Math.log10(raw));
  const steps = [1, 2, 5, 10];
  let k = steps.findIndex((m) => m * mag >= raw);
  for (;;) {
    const step = steps[k] * mag;
    const ticks: number[] = [];
    for (let i = Math.ceil(lo / step); i * step <= hi + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
    if (ticks.length >= 4) return ticks;
    if (--k < 0) [k, mag] = [2, mag / 10]; // 1 -> 0.5 of the next decade down
  }
}

function svg(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  body: string[];
}

interface Axis {
  range: [number, number];
  /** 'log': values spread by their logarithm (decades labelled), for losses spanning orders of magnitude. */
  scale?: 'linear' | 'log';
}

/** Axes with ticks and labels in the box [left, top, width, height] mapping the x and y ranges. */
function axes(left: number, top: number, w: number, h: number, xAxis: Axis, yAxis: Axis, title: string, xLabel: string, yLabel: string): Frame {
  const [x0, x1] = xAxis.range;
  const log = yAxis.scale === 'log';
  const f = (v: number) => (log ? Math.log10(v) : v);
  const [y0, y1] = yAxis.range.map(f);
  const x = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * w;
  const y = (v: number) => top + h - ((f(v) - y0) / (y1 - y0 || 1)) * h;
  const body = [
    `<text x="${left + w / 2}" y="${top - 10}" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`,
  ];
  for (const t of niceTicks(x0, x1)) {
    body.push(`<line x1="${num(x(t))}" y1="${top + h}" x2="${num(x(t))}" y2="${top + h + 5}" stroke="#333"/>`);
    body.push(`<text x="${num(x(t))}" y="${top + h + 18}" text-anchor="middle">${t}</text>`);
  }
  // log: ticks at round values of the exponent, labelled as the values
  const yTicks = log ? niceTicks(y0, y1).map((e) => Number((10 ** e).toPrecision(3))) : niceTicks(y0, y1);
  for (const t of yTicks) {
    body.push(`<line x1="${left - 5}" y1="${num(y(t))}" x2="${left}" y2="${num(y(t))}" stroke="#333"/>`);
    body.push(`<line x1="${left}" y1="${num(y(t))}" x2="${left + w}" y2="${num(y(t))}" stroke="#000" stroke-opacity="0.08"/>`);
    body.push(`<text x="${left - 8}" y="${num(y(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  body.push(`<text x="${left + w / 2}" y="${top + h + 36}" text-anchor="middle">${esc(xLabel)}</text>`);
  body.push(`<text transform="translate(${left - 50} ${top + h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return { x, y, body };
}

export interface DecisionRegionsOptions {
  /** Grid cells per side. */
  resolution?: number;
  /** The plot's side in pixels (the legend is added to its right). */
  size?: number;
  title?: string;
  /** Names of the classes for the legend (default: class 0, class 1, ...). */
  classNames?: readonly string[];
}

/**
 * The plane coloured by the class `predict` gives each point (light), with the data points on top (class
 * colours) and a legend of the classes. X is [n, 2]; y holds int labels; predict maps [m, 2] inputs to
 * [m, classes] scores. The cells are drawn edge to edge on whole pixels with crisp edges, so no seams show.
 */
export function decisionRegionsSvg(predict: (x: Tensor) => Tensor, X: Tensor, y: Tensor, options: DecisionRegionsOptions = {}): string {
  if (X.ndim !== 2 || X.shape[1] !== 2) throw new ValueError(`decisionRegionsSvg: X must be [n, 2], got ${fmt(X.shape)}`);
  const { resolution = 120, size = 520, title = 'Decision regions' } = options;
  const n = X.shape[0];
  let [xmin, xmax, ymin, ymax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    xmin = Math.min(xmin, X.data[2 * i]); xmax = Math.max(xmax, X.data[2 * i]);
    ymin = Math.min(ymin, X.data[2 * i + 1]); ymax = Math.max(ymax, X.data[2 * i + 1]);
  }
  const padX = (xmax - xmin) * 0.05 || 1, padY = (ymax - ymin) * 0.05 || 1;
  [xmin, xmax, ymin, ymax] = [xmin - padX, xmax + padX, ymin - padY, ymax + padY];
  const grid = new Float64Array(resolution * resolution * 2);
  for (let r = 0; r < resolution; r++) {
    for (let c = 0; c < resolution; c++) {
      const k = (r * resolution + c) * 2;
      grid[k] = xmin + ((c + 0.5) / resolution) * (xmax - xmin);
      grid[k + 1] = ymax - ((r + 0.5) / resolution) * (ymax - ymin);
    }
  }
  const scores = noGrad(() => predict(tensor(grid, { dtype: X.dtype, shape: [resolution * resolution, 2] })));
  const classes = scores.argmax(1);
  const left = 60, top = 40, plot = size - 90;
  const frame = axes(left, top, plot, plot, { range: [xmin, xmax] }, { range: [ymin, ymax] }, title, 'x0', 'x1');
  // Cell edges on whole pixels, each rect ending where the next begins: no overlap, no gap, no seam.
  const edge = (i: number, origin: number) => Math.round(origin + (i * plot) / resolution);
  const body: string[] = ['<g opacity="0.3" shape-rendering="crispEdges">'];
  for (let r = 0; r < resolution; r++) {
    // one rect per run of equal class along the row keeps the file small
    let start = 0;
    for (let c = 1; c <= resolution; c++) {
      const k = classes.data[r * resolution + start];
      if (c < resolution && classes.data[r * resolution + c] === k) continue;
      const [x0, x1, y0, y1] = [edge(start, left), edge(c, left), edge(r, top), edge(r + 1, top)];
      body.push(`<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="${PALETTE[k % PALETTE.length]}"/>`);
      start = c;
    }
  }
  body.push('</g>');
  let labels = 0;
  for (let i = 0; i < n; i++) {
    const k = y.data[i];
    labels = Math.max(labels, k + 1);
    body.push(`<circle cx="${num(frame.x(X.data[2 * i]))}" cy="${num(frame.y(X.data[2 * i + 1]))}" r="3" fill="${PALETTE[k % PALETTE.length]}" stroke="#222" stroke-width="0.5"/>`);
  }
  // The legend, right of the plot: one entry per class (of the labels and of the model's outputs).
  const count = Math.max(labels, scores.ndim === 2 ? scores.shape[1] : 0, options.classNames?.length ?? 0);
  const lx = left + plot + 16;
  body.push(`<g class="legend"><text x="${lx}" y="${top + 4}" font-weight="bold">class</text>`);
  for (let k = 0; k < count; k++) {
    const ly = top + 22 + k * 20;
    const colour = PALETTE[k % PALETTE.length];
    body.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${colour}" fill-opacity="0.3" stroke="${colour}"/>`);
    // the points' mark, as a round rect: the picture's circles are its data points, one each
    body.push(`<rect x="${lx + 3}" y="${ly - 6}" width="6" height="6" rx="3" fill="${colour}" stroke="#222" stroke-width="0.5"/>`);
    body.push(`<text x="${lx + 18}" y="${ly + 1}">${esc(options.classNames?.[k] ?? `class ${k}`)}</text>`);
  }
  body.push('</g>');
  return svg(size + 110, size, [...body, ...frame.body]);
}

export interface Series {
  name: string;
  values: readonly number[];
  /** The x of each value (1, 2, 3, ... by default). */
  steps?: readonly number[];
}

export interface Panel {
  title: string;
  yLabel: string;
  series: readonly Series[];
  /** Where the legend sits inside the plot: top right (default, for falling curves) or bottom right (rising ones). */
  legend?: 'top' | 'bottom';
  /**
   * The y range: 'robust' (default) leaves out values far outside the body of the data (beyond the 2nd to 98th
   * percentile by more than that spread), so one spike does not squash the curves; such points are drawn on the
   * panel's edge as triangles, and a note counts them. 'full' shows every value.
   */
  yRange?: 'robust' | 'full';
  /** 'log' for values that span orders of magnitude (every value must be positive). */
  yScale?: 'linear' | 'log';
}

function quantile(sorted: readonly number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (i - lo);
}

/** The y range to draw: every value, or (robust) without values sticking out of the body by more than its spread. */
export function yRangeOf(values: readonly number[], mode: 'robust' | 'full' = 'robust'): [number, number] {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return [0, 1];
  let [lo, hi] = [sorted[0], sorted[sorted.length - 1]];
  if (mode === 'robust') {
    const [qlo, qhi] = [quantile(sorted, 0.02), quantile(sorted, 0.98)];
    const spread = qhi - qlo;
    if (hi > qhi + spread) hi = qhi + spread * 0.25;
    if (lo < qlo - spread) lo = qlo - spread * 0.25;
  }
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

/** The y range of a log axis: the values' extent, widened to a decade when they are all one value. */
function logRange(values: readonly number[]): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (!(lo < Infinity)) return [1, 10];
  return lo === hi ? [lo / Math.sqrt(10), hi * Math.sqrt(10)] : [lo, hi];
}

/** Line charts side by side (e.g. loss and accuracy, each with train and validation), x = epoch. */
export function curvesSvg(panels: readonly Panel[], options: { xLabel?: string; width?: number; height?: number } = {}): string {
  const { xLabel = 'epoch', width = 460, height = 340 } = options;
  const body: string[] = [];
  panels.forEach((panel, p) => {
    const log = panel.yScale === 'log';
    const all = panel.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v) && (!log || v > 0)));
    if (log && panel.series.some((s) => s.values.some((v) => v <= 0))) {
      throw new ValueError(`curvesSvg: panel '${panel.title}' has yScale 'log' but values <= 0`);
    }
    let [x0, x1] = [0, 1];
    for (const s of panel.series) (s.steps ?? s.values.map((_, i) => i + 1)).forEach((v) => ([x0, x1] = [Math.min(x0, v), Math.max(x1, v)]));
    const [y0, y1] = log ? logRange(all) : yRangeOf(all, panel.yRange);
    const left = p * width + 75, top = 40, w = width - 105, h = height - 100;
    const frame = axes(left, top, w, h, { range: [x0, x1] }, { range: [y0, y1], scale: panel.yScale }, panel.title, xLabel, panel.yLabel);
    body.push(...frame.body);
    let clipped = 0;
    panel.series.forEach((s, i) => {
      const steps = s.steps ?? s.values.map((_, j) => j + 1);
      const colour = PALETTE[i % PALETTE.length];
      const marks: string[] = [];
      const points = s.values.map((v, j) => {
        const c = Math.min(Math.max(v, y0), y1);
        if (c !== v) {
          clipped++;
          const [px, py] = [frame.x(steps[j]), frame.y(c)];
          const tip = v > y1 ? py - 5 : py + 5; // the triangle points the way the value went
          marks.push(`<path class="clipped" d="M${num(px - 4)},${num(py)} L${num(px + 4)},${num(py)} L${num(px)},${num(tip)} Z" fill="${colour}"/>`);
        }
        return `${num(frame.x(steps[j]))},${num(frame.y(c))}`;
      }).join(' ');
      body.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${points}"/>`, ...marks);
      const ly = panel.legend === 'bottom' ? top + h - 10 - (panel.series.length - i) * 18 : top + 10 + i * 18;
      body.push(`<rect x="${left + w - 110}" y="${ly}" width="12" height="3" fill="${colour}"/>`);
      body.push(`<text x="${left + w - 92}" y="${ly + 5}">${esc(s.name)}</text>`);
    });
    if (clipped > 0) {
      body.push(`<text x="${left + w}" y="${top + h + 50}" text-anchor="end" font-size="11" fill="#555">${clipped} point${clipped === 1 ? '' : 's'} outside the range drawn on its edge (▲▼)</text>`);
    }
  });
  return svg(width * panels.length, height, body);
}
