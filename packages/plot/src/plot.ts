// Pictures of training as SVG strings (no file access): decision regions and learning curves.
import { type Tensor, tensor, noGrad, ValueError } from '@tensorgrad/core';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number) => (Math.round(v * 100) / 100).toString();

/** Round tick values covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
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

/** Axes with ticks and labels in the box [left, top, width, height] mapping [x0,x1] x [y0,y1]. */
function axes(left: number, top: number, w: number, h: number, [x0, x1]: number[], [y0, y1]: number[], title: string, xLabel: string, yLabel: string): Frame {
  const x = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * w;
  const y = (v: number) => top + h - ((v - y0) / (y1 - y0 || 1)) * h;
  const body = [
    `<text x="${left + w / 2}" y="${top - 10}" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`,
  ];
  for (const t of niceTicks(x0, x1)) {
    body.push(`<line x1="${num(x(t))}" y1="${top + h}" x2="${num(x(t))}" y2="${top + h + 5}" stroke="#333"/>`);
    body.push(`<text x="${num(x(t))}" y="${top + h + 18}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    body.push(`<line x1="${left - 5}" y1="${num(y(t))}" x2="${left}" y2="${num(y(t))}" stroke="#333"/>`);
    body.push(`<text x="${left - 8}" y="${num(y(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  body.push(`<text x="${left + w / 2}" y="${top + h + 36}" text-anchor="middle">${esc(xLabel)}</text>`);
  body.push(`<text transform="translate(${left - 45} ${top + h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return { x, y, body };
}

export interface DecisionRegionsOptions {
  /** Grid cells per side. */
  resolution?: number;
  size?: number;
  title?: string;
}

/**
 * The plane coloured by the class `predict` gives each point (light), with the data points on top (class
 * colours). X is [n, 2]; y holds int labels; predict maps [m, 2] inputs to [m, classes] scores.
 */
export function decisionRegionsSvg(predict: (x: Tensor) => Tensor, X: Tensor, y: Tensor, options: DecisionRegionsOptions = {}): string {
  if (X.ndim !== 2 || X.shape[1] !== 2) throw new ValueError(`decisionRegionsSvg: X must be [n, 2], got [${X.shape.join(', ')}]`);
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
  const classes = noGrad(() => predict(tensor(grid, { dtype: X.dtype, shape: [resolution * resolution, 2] })).argmax(1));
  const left = 60, top = 40, plot = size - 90;
  const frame = axes(left, top, plot, plot, [xmin, xmax], [ymin, ymax], title, 'x0', 'x1');
  const cell = plot / resolution;
  const body: string[] = ['<g opacity="0.3">'];
  for (let r = 0; r < resolution; r++) {
    // one rect per run of equal class along the row keeps the file small
    let start = 0;
    for (let c = 1; c <= resolution; c++) {
      const k = classes.data[r * resolution + start];
      if (c < resolution && classes.data[r * resolution + c] === k) continue;
      body.push(`<rect x="${num(left + start * cell)}" y="${num(top + r * cell)}" width="${num((c - start) * cell + 0.5)}" height="${num(cell + 0.5)}" fill="${PALETTE[k % PALETTE.length]}"/>`);
      start = c;
    }
  }
  body.push('</g>');
  for (let i = 0; i < n; i++) {
    const k = y.data[i];
    body.push(`<circle cx="${num(frame.x(X.data[2 * i]))}" cy="${num(frame.y(X.data[2 * i + 1]))}" r="3" fill="${PALETTE[k % PALETTE.length]}" stroke="#222" stroke-width="0.5"/>`);
  }
  return svg(size, size, [...body, ...frame.body]);
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
}

/** Line charts side by side (e.g. loss and accuracy, each with train and validation), x = epoch. */
export function curvesSvg(panels: readonly Panel[], options: { xLabel?: string; width?: number; height?: number } = {}): string {
  const { xLabel = 'epoch', width = 460, height = 340 } = options;
  const body: string[] = [];
  panels.forEach((panel, p) => {
    const all = panel.series.flatMap((s) => s.values.filter(Number.isFinite));
    const xs = panel.series.flatMap((s) => (s.steps ?? s.values.map((_, i) => i + 1)) as number[]);
    const [x0, x1] = [Math.min(...xs, 0), Math.max(...xs, 1)];
    let [y0, y1] = all.length ? [Math.min(...all), Math.max(...all)] : [0, 1];
    if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
    const left = p * width + 70, top = 40, w = width - 100, h = height - 100;
    const frame = axes(left, top, w, h, [x0, x1], [y0, y1], panel.title, xLabel, panel.yLabel);
    body.push(...frame.body);
    panel.series.forEach((s, i) => {
      const steps = s.steps ?? s.values.map((_, j) => j + 1);
      const points = s.values.map((v, j) => `${num(frame.x(steps[j]))},${num(frame.y(v))}`).join(' ');
      const colour = PALETTE[i % PALETTE.length];
      body.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${points}"/>`);
      const ly = panel.legend === 'bottom' ? top + h - 10 - (panel.series.length - i) * 18 : top + 10 + i * 18;
      body.push(`<rect x="${left + w - 110}" y="${ly}" width="12" height="3" fill="${colour}"/>`);
      body.push(`<text x="${left + w - 92}" y="${ly + 5}">${esc(s.name)}</text>`);
    });
  });
  return svg(width * panels.length, height, body);
}
