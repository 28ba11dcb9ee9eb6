// The playground page: the controls, the decision-region canvas, the learning curves. Training runs in worker.ts.
import { BOOK, BOOK_EPOCH, type Config, DEFAULTS, FIELDS, formatField, fromQuery, parseField, toQuery } from './config.js';
import type { Command, Message } from './worker.js';

/** Up to 5 classes: Tableau 10's first five, distinct for most colour-blind viewers too. */
export const CLASS_COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1'];
const TRAIN_COLOUR = '#1f4e79', TEST_COLOUR = '#c2410c';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

let config: Config = fromQuery(location.search).config;
let worker: Worker;
let data: Extract<Message, { type: 'ready' }> | null = null;
let grid: { n: number; cls: Uint8Array; prob: Float32Array } | null = null;
const history = { epoch: [] as number[], loss: [] as number[], acc: [] as number[], testLoss: [] as number[], testAcc: [] as number[] };
let running = false;

function send(cmd: Command): void {
  worker.postMessage(cmd);
}

// ------------------------------------------------------------------ controls

function readControls(): void {
  const invalid: string[] = [];
  for (const key of Object.keys(FIELDS) as (keyof Config)[]) {
    const el = $<HTMLInputElement | HTMLSelectElement>(key);
    const value = parseField(key, el.value);
    el.classList.toggle('invalid', value === undefined);
    if (value === undefined) invalid.push(key);
    else (config as Record<keyof Config, unknown>)[key] = value;
  }
  $('momentum').closest('label')!.classList.toggle('disabled', config.optimizer !== 'sgd');
  $('message').textContent = invalid.length ? `Not valid (kept the last good value): ${invalid.join(', ')}` : '';
}

function writeControls(): void {
  for (const key of Object.keys(FIELDS) as (keyof Config)[]) {
    const el = $<HTMLInputElement | HTMLSelectElement>(key);
    el.value = formatField(key, config[key]);
    el.classList.remove('invalid');
  }
  $('momentum').closest('label')!.classList.toggle('disabled', config.optimizer !== 'sgd');
}

function reset(): void {
  history.epoch.length = history.loss.length = history.acc.length = history.testLoss.length = history.testAcc.length = 0;
  grid = null;
  data = null;
  saveToUrl();
  send({ type: 'reset', config });
  setRunning(false);
}

function saveToUrl(): void {
  window.history.replaceState(null, '', `?${toQuery(config)}`);
}

function setRunning(r: boolean): void {
  running = r;
  $<HTMLButtonElement>('train').disabled = r;
  $<HTMLButtonElement>('pause').disabled = !r;
}

// ------------------------------------------------------------------ drawing

function sizeCanvas(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  const { width, height } = canvas.getBoundingClientRect();
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

function drawRegions(): void {
  const canvas = $<HTMLCanvasElement>('regions');
  const ctx = sizeCanvas(canvas);
  const { width: w, height: h } = canvas.getBoundingClientRect();
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  if (grid !== null) {
    // each cell: white mixed with its class colour, more of it where the network is surer
    const img = new ImageData(grid.n, grid.n);
    const cols = CLASS_COLOURS.map(rgb);
    const k = config.classes;
    for (let i = 0; i < grid.n * grid.n; i++) {
      const c = cols[grid.cls[i]];
      const t = 0.15 + 0.5 * Math.max(0, (grid.prob[i] - 1 / k) / (1 - 1 / k));
      for (let j = 0; j < 3; j++) img.data[4 * i + j] = Math.round(255 + (c[j] - 255) * t);
      img.data[4 * i + 3] = 255;
    }
    const off = new OffscreenCanvas(grid.n, grid.n);
    off.getContext('2d')!.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(off, 0, 0, w, h);
  }
  if (data !== null) {
    const [x0, x1, y0, y1] = data.bounds;
    const r = Math.max(2.5, Math.min(4.5, w / 140));
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < data.y.length; i++) {
        const test = data.isTest[i] === 1;
        if ((pass === 1) !== test) continue; // test points on top
        const px = ((data.X[2 * i] - x0) / (x1 - x0)) * w, py = ((y1 - data.X[2 * i + 1]) / (y1 - y0)) * h;
        ctx.beginPath();
        ctx.arc(px, py, r, 0, 2 * Math.PI);
        ctx.fillStyle = test ? '#fff' : CLASS_COLOURS[data.y[i]];
        ctx.strokeStyle = test ? CLASS_COLOURS[data.y[i]] : 'rgba(255,255,255,0.9)';
        ctx.lineWidth = test ? 2 : 1;
        ctx.fill();
        ctx.stroke();
      }
    }
  }
  ctx.strokeStyle = '#cbd5e1';
  ctx.lineWidth = 1;
  ctx.strokeRect(0.5, 0.5, w - 1, h - 1);
}

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks, p = 10 ** Math.floor(Math.log10(raw)), m = raw / p;
  return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
}

function drawChart(id: string, series: { values: number[]; colour: string; dash: boolean }[], fixed?: [number, number]): void {
  const canvas = $<HTMLCanvasElement>(id);
  const ctx = sizeCanvas(canvas);
  const { width: w, height: h } = canvas.getBoundingClientRect();
  ctx.clearRect(0, 0, w, h);
  const left = 44, right = 10, top = 8, bottom = 24;
  const n = history.epoch.length;
  const last = n ? history.epoch[n - 1] : 100;
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const v of s.values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (fixed) [lo, hi] = fixed;
  else if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  else [lo, hi] = [0, Math.max(hi * 1.05, 1e-3)];
  const X = (e: number) => left + (e / Math.max(last, 1)) * (w - left - right);
  const Y = (v: number) => top + (1 - (v - lo) / (hi - lo)) * (h - top - bottom);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#475569';
  ctx.strokeStyle = '#e2e8f0';
  ctx.lineWidth = 1;
  const ys = niceStep(hi - lo, 4);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let v = Math.ceil(lo / ys) * ys; v <= hi + 1e-12; v += ys) {
    ctx.beginPath(); ctx.moveTo(left, Math.round(Y(v)) + 0.5); ctx.lineTo(w - right, Math.round(Y(v)) + 0.5); ctx.stroke();
    ctx.fillText(ys < 0.1 ? v.toFixed(2) : v.toFixed(1), left - 6, Y(v));
  }
  const xs = niceStep(Math.max(last, 1), 5);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let e = 0; e <= last; e += xs) ctx.fillText(e >= 10000 ? `${e / 1000}k` : String(e), X(e), h - bottom + 6);
  ctx.strokeStyle = '#94a3b8';
  ctx.beginPath(); ctx.moveTo(left + 0.5, top); ctx.lineTo(left + 0.5, h - bottom + 0.5); ctx.lineTo(w - right, h - bottom + 0.5); ctx.stroke();
  // at most ~2 points per pixel
  const stride = Math.max(1, Math.floor(n / (2 * (w - left - right))));
  for (const s of series) {
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dash ? [5, 4] : []);
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < n; i += i + stride < n ? stride : Math.max(1, n - 1 - i)) {
      const v = s.values[i];
      if (!Number.isFinite(v)) continue;
      const y = Y(Math.min(Math.max(v, lo), hi));
      if (started) ctx.lineTo(X(history.epoch[i]), y);
      else { ctx.moveTo(X(history.epoch[i]), y); started = true; }
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

function drawCharts(): void {
  drawChart('loss-chart', [
    { values: history.loss, colour: TRAIN_COLOUR, dash: false },
    { values: history.testLoss, colour: TEST_COLOUR, dash: true },
  ]);
  drawChart('acc-chart', [
    { values: history.acc, colour: TRAIN_COLOUR, dash: false },
    { values: history.testAcc, colour: TEST_COLOUR, dash: true },
  ], [0, 1]);
}

function drawLegend(): void {
  const items = CLASS_COLOURS.slice(0, config.classes).map((c, i) => `<span class="item"><i class="swatch" style="background:${c}"></i>class ${i}</span>`);
  items.push('<span class="item"><i class="dot"></i>training point</span>');
  if (config.testSplit > 0) items.push('<span class="item"><i class="dot test"></i>test point</span>');
  $('legend').innerHTML = items.join('');
}

const fmt = (v: number | undefined, digits = 4) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

function showStats(eps: number): void {
  const n = history.epoch.length;
  const set = (id: string, text: string, value?: number) => {
    const el = $(id);
    el.textContent = text;
    if (value !== undefined) el.dataset.value = String(value);
  };
  set('stat-epoch', n ? history.epoch[n - 1].toLocaleString('en-US') : '–', n ? history.epoch[n - 1] : -1);
  set('stat-loss', fmt(history.loss[n - 1], 7), history.loss[n - 1]);
  set('stat-acc', fmt(history.acc[n - 1], 3));
  set('stat-test-loss', fmt(history.testLoss[n - 1], 7));
  set('stat-test-acc', fmt(history.testAcc[n - 1], 3));
  set('stat-eps', running ? Math.round(eps).toLocaleString('en-US') : '–');
}

let drawQueued = false;
function redraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    drawRegions();
    drawCharts();
  });
}

// ------------------------------------------------------------------ wiring

function onMessage(m: Message): void {
  if (m.type === 'error') {
    $('message').textContent = m.message;
    setRunning(false);
    return;
  }
  if (m.type === 'ready') {
    data = m;
    $('backend').textContent = m.backend;
    drawLegend();
    redraw();
    return;
  }
  for (const r of m.metrics) {
    history.epoch.push(r.epoch);
    history.loss.push(r.loss);
    history.acc.push(r.accuracy);
    history.testLoss.push(r.testLoss);
    history.testAcc.push(r.testAccuracy);
  }
  if (m.grid) grid = m.grid;
  setRunning(m.running);
  showStats(m.epochsPerSecond);
  redraw();
}

function start(): void {
  worker = new Worker('worker.js', { type: 'module' });
  worker.onmessage = (e: MessageEvent<Message>) => onMessage(e.data);
  worker.onerror = (e) => {
    $('message').textContent = `The training worker failed: ${e.message}`;
  };
  writeControls();
  for (const key of Object.keys(FIELDS) as (keyof Config)[]) {
    $(key).addEventListener('change', () => {
      readControls();
      reset();
    });
  }
  $('train').addEventListener('click', () => {
    setRunning(true);
    send({ type: 'train' });
  });
  $('pause').addEventListener('click', () => send({ type: 'pause' }));
  $('step').addEventListener('click', () => send({ type: 'step' }));
  $('reset').addEventListener('click', reset);
  $('book').addEventListener('click', () => {
    config = { ...BOOK };
    writeControls();
    reset();
    setRunning(true);
    send({ type: 'train', until: BOOK_EPOCH });
  });
  $('defaults').addEventListener('click', () => {
    config = { ...DEFAULTS };
    writeControls();
    reset();
  });
  $('share').addEventListener('click', async () => {
    saveToUrl();
    try {
      await navigator.clipboard.writeText(location.href);
      $('message').textContent = 'Link copied: it opens this configuration.';
    } catch {
      $('message').textContent = 'The address bar holds the link to this configuration.';
    }
  });
  window.addEventListener('resize', redraw);
  const { invalid } = fromQuery(location.search);
  if (invalid.length) $('message').textContent = `Ignored from the link (not valid): ${invalid.join(', ')}`;
  reset();
}

start();
