// The library and the playground in a real browser: Debian's Chromium (/usr/bin/chromium, or CHROMIUM), headless,
// driven by playwright-core (which downloads no browser). The page is served by playground/server.ts with the
// COOP/COEP headers; Node computes the numbers the page must give bit for bit. Each test saves a screenshot
// under out/browser/ for a person to look at.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '@tensorgrad/core';
import * as nn from '@tensorgrad/nn';
import * as optim from '@tensorgrad/optim';
import { BOOK, type Config, DEFAULTS, FIELDS, formatField, toQuery } from '../playground/config.js';
import { serve } from '../playground/server.js';
import { Session } from '../playground/train.js';
import { BUNDLE_DIR, bundle } from '../scripts/bundle.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = 'out/browser';
/** the colours the page gives classes 0..4 (playground/app.ts) */
const CLASS_COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1'];

let browser: Browser;
let server: Server;
let url: string;
let built: Awaited<ReturnType<typeof bundle>>;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM)`);
  built = await bundle();
  ({ server, url } = await serve(0));
  // a fresh profile each run (playwright passes its own temporary --user-data-dir)
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  mkdirSync(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

/** A new page at `query` that fails the test on any console error or uncaught exception. */
async function open(query = '', viewport = { width: 1280, height: 800 }, at = url): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${at}${query}`);
  // the library as a page imports it, for the tests that call it (as window.tg)
  await page.addScriptTag({ type: 'module', content: "import * as tg from '/tensorgrad.js'; window.tg = tg;" });
  await page.waitForFunction(() => document.getElementById('backend')!.textContent !== '…' && 'tg' in window);
  return { page, errors };
}

const text = (page: Page, id: string) => page.evaluate((i) => document.getElementById(i)!.textContent!, id);
const value = (page: Page, id: string) => page.evaluate((i) => Number(document.getElementById(i)!.dataset.value), id);

/** Trains from the page's buttons until the epoch counter reaches `epochs`, then pauses and waits for it to stop. */
async function trainTo(page: Page, epochs: number): Promise<void> {
  await page.click('#train');
  await page.waitForFunction((n) => Number(document.getElementById('stat-epoch')!.dataset.value) >= n, epochs, { timeout: 45_000 });
  await page.click('#pause');
  await page.waitForFunction(() => !(document.getElementById('train') as HTMLButtonElement).disabled);
}

/**
 * Gradients of a few ops on seeded float64 inputs, and gradcheck's verdicts: run in Node and, as source text, in
 * the page. The kernels use +, -, *, /, sqrt (which IEEE 754 rounds the same everywhere) and core's own libm
 * for exp, log, tanh, sin, ... (Math.exp and the others differ in the last bit between Node 20's and Chromium's
 * V8), so every number must be Node's, bit for bit.
 */
function opChecks(tg: typeof import('@tensorgrad/core')): { op: string; ok: boolean; grads: number[][] }[] {
  tg.manualSeed(3);
  const x = () => tg.randn([3, 4], { dtype: 'float64', requiresGrad: true });
  const cases: [string, (...t: any[]) => any, any[]][] = [
    ['matmul', (a, b) => tg.matmul(a, b.T), [x(), x()]],
    ['div-broadcast', (a, b) => a.div(b.sum(0).abs().add(1)), [x(), x()]],
    ['relu-mean', (a) => a.relu().mean(0), [x()]],
    ['sqrt-max', (a, b) => a.mul(a).add(1).sqrt().max(1).mul(b.sum(1)), [x(), x()]],
    ['exp-tanh', (a) => a.exp().tanh(), [x()]],
    ['sigmoid-mul', (a, b) => a.sigmoid().mul(b), [x(), x()]],
    ['softmax', (a) => tg.softmax(a, 1), [x()]],
    ['logsumexp', (a) => a.logsumexp(1), [x()]],
    ['log1p-expm1-pow', (a) => a.abs().log1p().expm1().pow(1.7), [x()]],
    ['sin-cos-atan2', (a, b) => tg.atan2(a.sin(), b.cos()), [x(), x()]],
  ];
  return cases.map(([op, f, inputs]) => {
    const ok = tg.gradcheck(f, inputs, { raiseException: false }).ok;
    f(...inputs).sum().backward();
    return { op, ok, grads: inputs.map((t: any) => Array.from(t.grad.data as Float64Array)) };
  });
}

describe('in the browser (Chromium)', () => {
  it('the bundle: core + nn + optim as one ES module, importing nothing, within issue 14\'s 80 KB gzipped, and as big as the README says', () => {
    expect(built.gzipped).toBeLessThanOrEqual(80 * 1024);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const stated = /\*\*(\d+) KB minified, ([\d.]+) KB gzipped\*\*/.exec(readme);
    expect(stated, 'README states the bundle size as **N KB minified, M KB gzipped**').not.toBeNull();
    // the README's figures are the bundle's, to half a KB gzipped and 2 KB minified (either way: it stays true)
    expect(Math.abs(built.gzipped / 1024 - Number(stated![2]))).toBeLessThanOrEqual(0.5);
    expect(Math.abs(built.minified / 1024 - Number(stated![1]))).toBeLessThanOrEqual(2);
    // self-contained: no node: module, nothing else either (node: names appear in it only as strings handed to
    // process.getBuiltinModule, which a page does not have)
    expect(built.imports).toEqual([]);
    expect(readFileSync(`${BUNDLE_DIR}/tensorgrad.js`, 'utf8')).toMatch(/export\s*\{/);
  });

  it('the minified bundle keeps the class names errors show (e.name, a layer named in a message)', async () => {
    const tg = await import(`${BUNDLE_DIR}/tensorgrad.js`);
    expect(() => tg.tensor([1, 2]).reshape([3])).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(() => new tg.BatchNorm1d(3).forward(tg.zeros([2, 4]))).toThrow(/^BatchNorm1d\(3\): the input must be/);
    expect(new tg.Linear(2, 3).constructor.name).toBe('Linear');
  });

  it('the page loads without console errors, cross-origin isolated, and the wasm kernels use 2 threads (a Web Worker) with Node\'s bits', async () => {
    const { page, errors } = await open();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await text(page, 'backend')).toBe('wasm · 2 threads (web-worker)'); // the training worker's backendInfo()
    // the library imported by the page itself: a product large enough to split, once the second thread is up
    const shape = [160, 192, 160];
    const run = await page.evaluate(async ([m, k, n]) => {
      const tg = (window as any).tg as typeof core;
      tg.manualSeed(1);
      const a = tg.randn([m, k]), b = tg.randn([k, n]);
      for (let i = 0; i < 200 && tg.backendInfo().worker !== 'ready'; i++) {
        tg.matmul(a, b); // starts the worker
        await new Promise((r) => setTimeout(r, 25));
      }
      const products: Record<string, number[]> = {};
      for (const p of ['highest', 'high'] as const) {
        tg.setMatmulPrecision(p);
        products[p] = Array.from(tg.matmul(a, b).data as Float32Array);
      }
      return { info: tg.backendInfo(), products };
    }, shape);
    expect(run.info).toMatchObject({ backend: 'wasm', threads: 2, secondThread: 'web-worker', worker: 'ready' });
    core.manualSeed(1);
    const a = core.randn([shape[0], shape[1]]), b = core.randn([shape[1], shape[2]]);
    const nodeBackend = core.getBackend();
    for (const p of ['highest', 'high'] as const) {
      core.setMatmulPrecision(p);
      // at 'high' Node's native kernel sums with FMA in its own blocking; the js and wasm kernels agree bit for bit
      if (p === 'high') core.setBackend('js');
      expect([p, run.products[p]]).toEqual([p, Array.from(core.matmul(a, b).data)]);
    }
    core.setBackend(nodeBackend);
    await page.screenshot({ path: `${SHOTS}/loaded.png` });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('training the spiral for 150 epochs lowers the loss, the regions show every class colour, and Pause stops the counter', async () => {
    const { page, errors } = await open(`?${toQuery({ ...DEFAULTS, data: 'spiral', classes: 3 })}`);
    await trainTo(page, 150);
    const epoch = await value(page, 'stat-epoch');
    expect(await value(page, 'stat-loss')).toBeLessThan(0.9); // from ln 3 = 1.0986
    await page.waitForTimeout(600);
    expect(await value(page, 'stat-epoch')).toBe(epoch); // paused: no epoch more
    expect(await text(page, 'stat-eps')).toBe('–');
    // every class's colour (white mixed with it) covers part of the decision-region canvas
    const shares = await page.evaluate((colours) => {
      const c = document.getElementById('regions') as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const rgb = colours.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
      const counts = rgb.map(() => 0);
      for (let i = 0; i < px.length; i += 4) {
        rgb.forEach((col, k) => {
          // on the segment from white to the colour, at least 25% of the way
          const t = [0, 1, 2].reduce((s, j) => s + (255 - px[i + j]) * (255 - col[j]), 0) / [0, 1, 2].reduce((s, j) => s + (255 - col[j]) ** 2, 0);
          const d = Math.hypot(...[0, 1, 2].map((j) => px[i + j] - (255 + (col[j] - 255) * t)));
          if (t >= 0.25 && t <= 1.05 && d < 8) counts[k]++;
        });
      }
      return counts.map((n) => n / (px.length / 4));
    }, CLASS_COLOURS.slice(0, 3));
    for (const share of shares) expect(share).toBeGreaterThan(0.05);
    await page.screenshot({ path: `${SHOTS}/spiral-trained.png` });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a shared URL restores the configuration, and changing a control updates the URL', async () => {
    const shared: Config = {
      data: 'circles', classes: 4, samples: 60, noise: 0.15, testSplit: 0.3, hidden: [8, 8, 8], activation: 'tanh', dropout: 0.1, l2: 0.0005,
      loss: 'categorical-ce', optimizer: 'sgd', lr: 0.5, decay: 0.001, momentum: 0.5, seed: 7, precision: 'highest',
    };
    const { page, errors } = await open(`?${toQuery(shared)}`, { width: 600, height: 900 }); // a narrow window too
    for (const key of Object.keys(FIELDS) as (keyof Config)[]) {
      expect([key, await page.inputValue(`#${key}`)]).toEqual([key, formatField(key, shared[key])]);
    }
    expect(await page.locator('#legend .swatch').count()).toBe(4);
    await page.selectOption('#data', 'xor');
    expect(new URL(page.url()).searchParams.get('data')).toBe('xor');
    await page.click('#step');
    await page.waitForFunction(() => document.getElementById('stat-epoch')!.textContent === '0');
    await page.screenshot({ path: `${SHOTS}/shared-narrow.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the book's preset: the page's loss at the epoch it paused at is Node's, bit for bit", async () => {
    const { page, errors } = await open();
    await page.click('#book');
    for (const [key, v] of [['hidden', '64'], ['lr', '0.05'], ['decay', '5e-7'], ['seed', '0'], ['testSplit', '0'], ['precision', 'highest']]) {
      expect(await page.inputValue(`#${key}`)).toBe(v);
    }
    await page.waitForFunction(() => Number(document.getElementById('stat-epoch')!.dataset.value) >= 100, undefined, { timeout: 45_000 });
    await page.click('#pause');
    await page.waitForFunction(() => !(document.getElementById('train') as HTMLButtonElement).disabled);
    const epoch = await value(page, 'stat-epoch');
    const loss = await value(page, 'stat-loss');
    const session = new Session(BOOK);
    let node = session.step();
    while (node.epoch < epoch) node = session.step();
    expect(loss).toBe(node.loss);
    await page.screenshot({ path: `${SHOTS}/book.png` });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("gradients of ops computed in the page equal Node's, and gradcheck passes there", async () => {
    const { page, errors } = await open();
    const inPage = await page.evaluate((src) => new Function('tg', `return (${src})(tg)`)((window as any).tg), opChecks.toString());
    const inNode = opChecks({ ...core, ...nn, ...optim } as typeof core);
    expect(inNode.map((c) => c.ok)).toEqual(inNode.map(() => true));
    expect(inPage.map((c: { ok: boolean }) => c.ok)).toEqual(inNode.map(() => true));
    inNode.forEach((n, i) => expect([n.op, inPage[i].grads]).toEqual([n.op, n.grads]));
    await page.screenshot({ path: `${SHOTS}/gradchecks.png` });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a page that is not cross-origin isolated runs the kernels on one thread, says so, and still trains', async () => {
    const plain = await serve(0, { isolated: false }); // no COOP/COEP: no SharedArrayBuffer
    try {
      const { page, errors } = await open(`?${toQuery({ ...DEFAULTS, data: 'spiral', classes: 3 })}`, undefined, plain.url);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await text(page, 'backend')).toBe('wasm · 1 thread'); // the training worker's backendInfo()
      expect(await page.evaluate(() => (window as any).tg.backendInfo())).toMatchObject({ backend: 'wasm', secondThread: 'none' });
      await trainTo(page, 150);
      expect(await value(page, 'stat-loss')).toBeLessThan(0.9); // from ln 3 = 1.0986
      await page.screenshot({ path: `${SHOTS}/not-isolated.png` });
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      plain.server.close();
    }
  });
});
