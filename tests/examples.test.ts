// Runs every example (examples/*.ts, except _helpers and the demo, which tests/model.test.ts runs) as a real
// subprocess with TENSORGRAD_EXAMPLE_FAST=1, two at a time: each must exit 0 and print what it shows.
// An example throws (exits non-zero) when the numbers it checks stop holding, so this catches rot.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '@tensorgrad/core';
import { loadModel } from '@tensorgrad/io';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const examples = readdirSync(new URL('../examples/', import.meta.url))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_') && f !== 'demo.ts')
  .sort();

// Text each example must print beyond its final "ok: ..." line (the book's numbers where it prints them).
const expected: Record<string, string[]> = {
  '01-single-neuron.ts': ['single neuron, tensors: 2.3', 'layer, tensors: [4.8   1.21  2.385]'],
  '02-layer-and-batch.ts': ['[-0.99314  1.41254 -0.35655]]', 'loss: 1.0986104  acc: 0.34'],
  '03-backprop-by-hand.ts': ['drelu_dx0: -3', 'autograd: [[ 0.44 -0.38 -0.07  1.37]'],
  '04-optimizers.ts': ['SGD (decay 1e-3, momentum 0.9)', 'AdaGrad', 'RMSProp', 'Adam (lr 0.05, decay 5e-7)'],
  '05-regression-sine.ts': ["test on the book's 1,000 points: loss"],
  '06-binary-classification.ts': ['validation, acc:'],
  '07-custom-layer.ts': ['gradcheck:     ok true', 'gradgradcheck: ok true', 'a broken backward: ok false'],
  '08-dropout-regularization.ts': ['reg_loss:', 'in eval mode:'],
  'char-transformer.ts': ['vocabulary of 52', 'step 0 loss', 'sample of 60 characters'],
  'cnn-fashion-mnist.ts': ['Fashion-MNIST from', '200 training images, 50 test images', 'epoch 1: loss', 'test accuracy', 'saved the model to'],
};

// cnn-fashion-mnist reads IDX files: small ones written here (gzipped images, plain labels), and saves its model here.
const data = mkdtempSync(join(tmpdir(), 'tg-examples-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));
/** An IDX file of unsigned bytes: magic 00 00 08 ndim, big-endian dimensions, the values. */
function idx(shape: number[], value: (i: number) => number): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.set([0, 0, 0x08, shape.length]);
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => value(i) & 255))]);
}
for (const [prefix, n] of [['train', 200], ['t10k', 50]] as const) {
  writeFileSync(join(data, `${prefix}-images-idx3-ubyte.gz`), gzipSync(idx([n, 28, 28], (i) => (i * 2654435761) >>> 24)));
  writeFileSync(join(data, `${prefix}-labels-idx1-ubyte`), idx([n], (i) => i % 10));
}
const ARGS: Record<string, string[]> = { 'cnn-fashion-mnist.ts': [data, '--out', join(data, 'model')] };

interface Run { code: number | null; stdout: string; stderr: string }

function run(file: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [`examples/${file}`, ...(ARGS[file] ?? [])], { cwd: root, env: { ...process.env, TENSORGRAD_EXAMPLE_FAST: '1' } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs all files, at most `limit` at a time (the machine has 2 cores). */
async function runAll(files: string[], limit: number): Promise<Map<string, Run>> {
  const results = new Map<string, Run>();
  const queue = [...files];
  const worker = async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) results.set(f, await run(f));
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe('examples', () => {
  let results: Map<string, Run>;
  beforeAll(async () => {
    results = await runAll(examples, 2);
  }, 240_000); // cnn-fashion-mnist too

  it('has the chapter examples, each listed with what it must print', () => {
    expect(examples.length).toBeGreaterThanOrEqual(7);
    expect(examples.filter((f) => !(f in expected))).toEqual([]); // a new example gets its expected text here
  });

  it('char-transformer.ts: the loss falls, and the sample has the requested length and only characters of the text', () => {
    const out = results.get('char-transformer.ts')!.stdout;
    const losses = [...out.matchAll(/^step \d+ loss ([\d.]+)$/gm)].map((m) => Number(m[1]));
    expect(losses.length).toBeGreaterThanOrEqual(3);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    const sample = JSON.parse(/^sample of 60 characters after "Shall I ": (".*")$/m.exec(out)![1]) as string;
    expect(sample.length).toBe(60);
    const vocab = new Set(readFileSync(new URL('../examples/data/sonnets.txt', import.meta.url), 'utf8'));
    expect([...sample].filter((c) => !vocab.has(c))).toEqual([]);
  });

  it.each(examples)('%s runs, exits 0 and prints what it shows', (file) => {
    const r = results.get(file)!;
    expect(r.code, `${file} failed:\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^ok: /m);
    for (const text of expected[file] ?? []) expect(r.stdout).toContain(text);
  });

  it('cnn-fashion-mnist saved a model that loads and classifies', () => {
    const model = loadModel(join(data, 'model'));
    expect(model.forward(tensor(new Float32Array(2 * 28 * 28), { shape: [2, 1, 28, 28] })).shape).toEqual([2, 10]);
  });
});
