// tensorgrad's side of the cross-library benchmark: workloads W1-W6 exactly as bench/WORKLOADS.md defines them,
// through the public API of @tensorgrad/core, nn and optim. Prints ONE JSON object on stdout (same nesting as
// bench_numpy.py: W1.ms_per_epoch, W3.threads_1.<N>.gflops_best, ...); progress goes to stderr.
//
//   npx tsx bench/tensorgrad.ts                      all workloads, full size, on the default backend
//   npx tsx bench/tensorgrad.ts --only=W1,W4 --quick   a subset, shortened (also TG_BENCH_ONLY, TG_BENCH_QUICK=1)
//   --backend=js|wasm|native                         setBackend first; a backend that does not exist (yet) gives
//                                                    {"available": false, "reason": ...} and exit status 0
//   --probe                                          only list the backends setBackend accepts here, and the default
//   --w1-epochs=N  --w2-steps=N  --w3-sizes=64,256   (also TG_BENCH_W1_EPOCHS, TG_BENCH_W2_STEPS, TG_BENCH_W3_SIZES)
//   --w5-rows=N                                      W5 on the first N training rows (quick: 6400)
//   TENSORGRAD_MATMUL_PRECISION=high                  float32 matmuls sum in float32 (default 'highest': in float64);
//                                                    the JSON says which ran as matmul_precision
//
// common_data.mjs, common_data.py, spiral_300.json, bench_numpy.py and WORKLOADS.md in this folder are copies of
// the shared cross-library benchmark (/work/shared/bench/ where this project was made). They must stay byte
// for byte identical to it, or the figures stop being comparable with the other libraries'.
import { Tensor, tensor, matmul, noGrad, backendInfo, getNumThreads, setNumThreads, setBackend } from '@tensorgrad/core';
import { Conv2d, Dense, Flatten, MaxPool2d, ReLU, Sequential, SoftmaxCrossEntropy, accuracy } from '@tensorgrad/nn';
import { Adam } from '@tensorgrad/optim';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spiralData, mlpData, mulberry32F32, mulberry32U32, glorotUniform, W2, median, now, quietStdout } from './common_data.mjs';
import { readIdx } from './idx.js';

quietStdout(); // stdout carries the result JSON only

class BenchError extends Error {
  override name = 'BenchError';
}

// ---------------------------------------------------------------- options

interface Options {
  only: Set<string>;
  quick: boolean;
  backend: string | undefined;
  probe: boolean;
  w1Epochs: number;
  w2Steps: number;
  w3Sizes: number[];
  /** W5's training rows (all 60,000 unless shortened) */
  w5Rows: number;
}

const WORKLOADS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6'];

function parseOptions(argv: readonly string[]): Options {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new BenchError(`tensorgrad bench: unknown argument '${a}' (expected --only=W1,W2 --quick --backend=NAME --probe --w1-epochs=N --w2-steps=N --w3-sizes=64,256 --w5-rows=N)`);
    flags.set(m[1], m[2] ?? '1');
  }
  const get = (flag: string, env: string): string | undefined => flags.get(flag) ?? process.env[env];
  const quick = get('quick', 'TG_BENCH_QUICK') === '1';
  const int = (flag: string, env: string, dflt: number): number => {
    const s = get(flag, env);
    if (s === undefined) return dflt;
    const v = Number(s);
    if (!Number.isInteger(v) || v < 1) throw new BenchError(`tensorgrad bench: --${flag} must be a positive integer, got '${s}'`);
    return v;
  };
  const onlyText = get('only', 'TG_BENCH_ONLY') ?? WORKLOADS.join(',');
  const only = new Set(onlyText.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== ''));
  for (const w of only) if (!WORKLOADS.includes(w)) throw new BenchError(`tensorgrad bench: unknown workload '${w}' in --only (${WORKLOADS.join(', ')})`);
  const sizesText = get('w3-sizes', 'TG_BENCH_W3_SIZES');
  const w3Sizes = sizesText ? sizesText.split(',').map(Number) : quick ? [64, 256] : [64, 256, 512, 1024];
  if (w3Sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new BenchError(`tensorgrad bench: bad --w3-sizes '${sizesText}'`);
  return {
    only,
    quick,
    backend: flags.get('backend'),
    probe: flags.has('probe'),
    w1Epochs: int('w1-epochs', 'TG_BENCH_W1_EPOCHS', quick ? 300 : 10000),
    w2Steps: int('w2-steps', 'TG_BENCH_W2_STEPS', quick ? 20 : W2.steps),
    w3Sizes,
    w5Rows: Math.min(W5.train, int('w5-rows', 'TG_BENCH_W5_ROWS', quick ? 6400 : W5.train)),
  };
}

const log = (msg: string) => process.stderr.write(`[tensorgrad] ${msg}\n`);

// ---------------------------------------------------------------- W1 spiral

const W1_WARMUP = 10;

function w1Spiral(epochs: number) {
  if (epochs <= W1_WARMUP) throw new BenchError(`W1: needs more than ${W1_WARMUP} epochs (the warm-up), got ${epochs}`);
  const d = spiralData();
  const X = tensor(d.X, { shape: [d.n, 2] });
  const y = tensor(d.y);
  const l1 = new Dense(2, 64);
  const l2 = new Dense(64, 3);
  // the shared initial weights, copied into the parameters ([n_in, n_out], as Dense stores them)
  l1.weights.data.set(d.params[0].W);
  l1.biases.data.set(d.params[0].b);
  l2.weights.data.set(d.params[1].W);
  l2.biases.data.set(d.params[1].b);
  const model = new Sequential([l1, new ReLU(), l2]);
  const lossFn = new SoftmaxCrossEntropy();
  // decay 5e-7 as the numpy (nnfs) reference
  const opt = new Adam(model.parameters(), { lr: 0.05, decay: 5e-7, epsilon: 1e-7, beta1: 0.9, beta2: 0.999 });
  const phases = new Phases();
  const epoch = () => trainStep(model, lossFn, opt, X, y, phases);
  const graphOps = countOps(lossFn.forward(model.forward(X), y));
  for (let e = 0; e < W1_WARMUP; e++) epoch();
  phases.reset();
  const t0 = now();
  for (let e = W1_WARMUP; e < epochs; e++) epoch();
  const ms = now() - t0;
  const { loss, acc } = noGrad(() => {
    const logits = model.forward(X);
    return { loss: lossFn.forward(logits, y).item(), acc: accuracy(logits, y) };
  });
  return {
    epochs,
    timed_epochs: epochs - W1_WARMUP,
    ms_per_epoch: ms / (epochs - W1_WARMUP),
    final_loss: loss,
    final_acc: acc,
    lr_final: opt.currentLr,
    graph_ops_forward: graphOps,
    phase_ms: phases.perCall(epochs - W1_WARMUP),
  };
}

// ---------------------------------------------------------------- W2 mlp

function w2Mlp(steps: number) {
  const d = mlpData();
  const B = W2.batch;
  const nb = W2.N / B;
  // the 64 batches, materialised before timing
  const batches: [Tensor, Tensor][] = [];
  for (let i = 0; i < nb; i++) {
    batches.push([
      tensor(d.X.subarray(i * B * W2.D, (i + 1) * B * W2.D), { shape: [B, W2.D] }),
      tensor(d.y.subarray(i * B, (i + 1) * B)),
    ]);
  }
  const layers = d.params.map((p) => {
    const l = new Dense(p.shape[0], p.shape[1]);
    l.weights.data.set(p.W);
    l.biases.data.set(p.b);
    return l;
  });
  const model = new Sequential([layers[0], new ReLU(), layers[1], new ReLU(), layers[2]]);
  const lossFn = new SoftmaxCrossEntropy();
  const opt = new Adam(model.parameters(), { lr: 1e-3, epsilon: 1e-7, beta1: 0.9, beta2: 0.999 });
  let s = 0;
  const phases = new Phases();
  const step = (): number => {
    const [xb, yb] = batches[s % nb];
    s++;
    return trainStep(model, lossFn, opt, xb, yb, phases).item();
  };
  const graphOps = countOps(lossFn.forward(model.forward(batches[0][0]), batches[0][1]));
  const { ms, last } = timeSteps(step, W2.warmup, steps, phases);
  // matmul FLOPs of one step: forward x@W, backward g@W^T (not for the first layer: X needs no grad) and x^T@g
  let flop = 0;
  W2.layers.forEach(([fi, fo], k) => (flop += 2 * B * fi * fo * (k === 0 ? 2 : 3)));
  return {
    steps,
    ms_per_step: ms / steps,
    last_step_loss: last,
    last_step: W2.warmup + steps,
    matmul_mflop_per_step: flop / 1e6,
    effective_gflops: flop / ((ms / steps) * 1e6),
    graph_ops_forward: graphOps,
    phase_ms: phases.perCall(steps),
  };
}

// ---------------------------------------------------------------- W3 matmul

function w3Matmul(sizes: readonly number[]) {
  const out: Record<string, { gflops_best: number; gflops_median: number; reps: number }> = {};
  for (const n of sizes) {
    const A = tensor(mulberry32F32(1000 + n, n * n), { shape: [n, n] });
    const Bm = tensor(mulberry32F32(2000 + n, n * n), { shape: [n, n] });
    let C = matmul(A, Bm);
    const warm = n >= 512 ? 2 : 3;
    for (let i = 1; i < warm; i++) C = matmul(A, Bm);
    checkProduct(A, Bm, C, n);
    const times: number[] = [];
    const start = now();
    while (times.length < 500 && (times.length < 5 || now() - start < 1000)) {
      const t0 = now();
      C = matmul(A, Bm);
      times.push(now() - t0);
    }
    const flop = 2 * n ** 3;
    out[String(n)] = { gflops_best: flop / (Math.min(...times) * 1e6), gflops_median: flop / (median(times) * 1e6), reps: times.length };
    log(`W3 N=${n}: ${out[String(n)].gflops_best.toFixed(2)} GFLOP/s best (${times.length} reps)`);
  }
  return out;
}

/** A few entries of C against float64 dot products: a fast kernel must also be a right one. */
function checkProduct(A: Tensor, B: Tensor, C: Tensor, n: number): void {
  for (const [i, j] of [[0, 0], [n - 1, n - 1], [n >> 1, n >> 2]]) {
    let acc = 0;
    for (let k = 0; k < n; k++) acc += A.data[i * n + k] * B.data[k * n + j];
    const got = C.data[i * n + j];
    if (Math.abs(got - acc) > 1e-4 * Math.abs(acc)) throw new BenchError(`W3: C[${i},${j}] = ${got}, expected ${acc} (N=${n})`);
  }
}

// ---------------------------------------------------------------- W4 graph overhead

const W4_CHAIN = 1000; // iterations of y = y * 1.0001 + 0.0001: 2000 recorded ops

function w4Graph(reps: number) {
  const x = tensor(mulberry32F32(4321, 16), { requiresGrad: true });
  const forward = (): Tensor => {
    let y = x;
    for (let i = 0; i < W4_CHAIN; i++) y = y.mul(1.0001).add(0.0001);
    return y.sum();
  };
  const total: number[] = [];
  const fwd: number[] = [];
  const bwd: number[] = [];
  for (let r = 0; r < reps + 10; r++) {
    x.grad = null;
    const t0 = now();
    const loss = forward();
    const t1 = now();
    loss.backward();
    const t2 = now();
    if (r >= 10) {
      total.push(t2 - t0);
      fwd.push(t1 - t0);
      bwd.push(t2 - t1);
    }
  }
  // Diagnostics, each in its own loop (interleaved, one pays for the other's garbage collection):
  // the same chain with recording off, i.e. the ops without the tape ...
  const untaped: number[] = [];
  for (let r = 0; r < reps + 10; r++) {
    const t0 = now();
    noGrad(forward);
    if (r >= 10) untaped.push(now() - t0);
  }
  // ... and the arithmetic alone
  const bare = bareLoops(x.data as Float32Array, reps);
  const expected = 1.0001 ** W4_CHAIN;
  const g = x.grad as Tensor | null;
  if (g === null || g.data.some((v) => Math.abs(v - expected) > 1e-3)) {
    throw new BenchError(`W4: dloss/dx should be ${expected} everywhere, got ${g === null ? 'null' : g.data[0]}`);
  }
  const ops = 2 * W4_CHAIN;
  return {
    reps,
    us_per_op: (median(total) * 1e3) / ops,
    us_per_op_forward: (median(fwd) * 1e3) / ops,
    us_per_op_backward: (median(bwd) * 1e3) / ops,
    us_per_op_forward_nograd: (median(untaped) * 1e3) / ops,
    us_per_op_kernel_arithmetic: (median(bare.times) * 1e3) / ops,
    grad0: g.data[0],
  };
}

/**
 * W4's arithmetic alone: the same 2000 loops over 16 floats into preallocated buffers (no allocation, no
 * tensors). The chain is a function of its own, warmed up by many calls, so that V8 optimizes it as a whole
 * (timed inside one long loop it is compiled on-stack and can stay slow).
 */
function bareChain(x: Float32Array, a: Float32Array, b: Float32Array): number {
  b.set(x);
  for (let i = 0; i < W4_CHAIN; i++) {
    for (let k = 0; k < b.length; k++) a[k] = b[k] * 1.0001;
    for (let k = 0; k < a.length; k++) b[k] = a[k] + 0.0001;
  }
  return b[0];
}

function bareLoops(x: Float32Array, reps: number): { times: number[]; y0: number } {
  const a = new Float32Array(x.length);
  const b = new Float32Array(x.length);
  let y0 = 0;
  for (let r = 0; r < 200; r++) y0 += bareChain(x, a, b);
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    y0 += bareChain(x, a, b);
    times.push(now() - t0);
  }
  return { times, y0 }; // returned so that the loops cannot be dropped
}

// ---------------------------------------------------------------- W5 fashion

const W5 = {
  dir: '/usr/share/datasets/fashion-mnist',
  files: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
  train: 60000, test: 10000, D: 784, batch: 64, epochs: 2,
  layers: [[784, 512], [512, 512], [512, 10]] as const,
  seeds: { W: [21, 22, 23], X: 4321, y: 8765, order: 100 },
};

interface W5Data {
  Xtrain: Float32Array;
  ytrain: Int32Array;
  Xtest: Float32Array;
  ytest: Int32Array;
  source: string;
}

/** Fashion-MNIST as pixels / 255 in float32 [n, 784] and int labels; mulberry32 data of the same shapes without it. */
function w5Data(): W5Data {
  const paths = W5.files.map((f) => join(W5.dir, f));
  if (paths.every((p) => existsSync(p))) {
    const [xs, ys, xt, yt] = paths.map(readIdx);
    const expect = [[W5.train, 28, 28], [W5.train], [W5.test, 28, 28], [W5.test]];
    [xs, ys, xt, yt].forEach((f, i) => {
      if (f.shape.join() !== expect[i].join()) throw new BenchError(`W5: ${paths[i]} has shape [${f.shape}], expected [${expect[i]}]`);
    });
    // a float32 division, as numpy's and torch's x / 255 (float64 division rounded once to float32 gives the same bits)
    const pixels = (u8: Uint8Array) => {
      const out = new Float32Array(u8.length);
      for (let i = 0; i < u8.length; i++) out[i] = u8[i] / 255;
      return out;
    };
    return { Xtrain: pixels(xs.data), ytrain: Int32Array.from(ys.data), Xtest: pixels(xt.data), ytest: Int32Array.from(yt.data), source: W5.dir };
  }
  // one mulberry32 stream each for X and y: the training rows first, then the test rows (as bench_torch.py)
  const n = W5.train + W5.test;
  const X = mulberry32F32(W5.seeds.X, n * W5.D);
  const y = Int32Array.from(mulberry32F32(W5.seeds.y, n), (v) => Math.floor(Math.fround(v * 10)));
  const cut = W5.train * W5.D;
  return { Xtrain: X.subarray(0, cut), ytrain: y.subarray(0, W5.train), Xtest: X.subarray(cut), ytest: y.subarray(W5.train), source: 'mulberry32 (Fashion-MNIST not installed)' };
}

/** Epoch e's row order: the stable argsort of n mulberry32 u32 draws of seed 100 + e. */
function epochOrder(e: number, n: number): Uint32Array {
  const u = mulberry32U32(W5.seeds.order + e, n);
  return Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => u[a] - u[b] || a - b);
}

function w5Fashion(rows: number) {
  const d = w5Data();
  const layers = W5.layers.map(([fi, fo], k) => {
    const l = new Dense(fi, fo);
    l.weights.data.set(glorotUniform(W5.seeds.W[k], fi, fo));
    l.biases.data.fill(0);
    return l;
  });
  const model = new Sequential([layers[0], new ReLU(), layers[1], new ReLU(), layers[2]]);
  const lossFn = new SoftmaxCrossEntropy({ clip: 0 }); // PyTorch's cross_entropy: no clipping of the loss value
  const opt = new Adam(model.parameters(), { lr: 1e-3, epsilon: 1e-8, beta1: 0.9, beta2: 0.999 });
  const phases = new Phases(['forward', 'backward', 'optimizer', 'gather']);
  const orders = Array.from({ length: W5.epochs }, (_, e) => epochOrder(e, rows));
  const epochS: number[] = [];
  let steps = 0;
  for (const order of orders) {
    const t0 = now();
    for (let i = 0; i < rows; i += W5.batch) {
      const b = Math.min(W5.batch, rows - i);
      phases.start();
      const xb = new Float32Array(b * W5.D);
      const yb = new Int32Array(b);
      for (let r = 0; r < b; r++) {
        const row = order[i + r];
        xb.set(d.Xtrain.subarray(row * W5.D, (row + 1) * W5.D), r * W5.D);
        yb[r] = d.ytrain[row];
      }
      phases.mark(3);
      trainStep(model, lossFn, opt, tensor(xb, { shape: [b, W5.D] }), tensor(yb), phases, false);
      steps++;
    }
    epochS.push((now() - t0) / 1e3);
    log(`W5 epoch ${epochS.length}: ${epochS[epochS.length - 1].toFixed(2)} s`);
  }
  const sPerEpoch = epochS.reduce((a, b) => a + b, 0) / epochS.length;
  // a shortened run tests on as many rows as it trained on (bench_torch.py does the same), saving the js backend minutes
  const testRows = Math.min(W5.test, rows);
  const test = noGrad(() => {
    const logits = model.forward(tensor(d.Xtest.subarray(0, testRows * W5.D), { shape: [testRows, W5.D] }));
    const y = tensor(d.ytest.subarray(0, testRows));
    return { loss: lossFn.forward(logits, y).item(), acc: accuracy(logits, y) };
  });
  return {
    data: d.source,
    train_rows: rows,
    test_rows: testRows,
    epochs: W5.epochs,
    epoch_s: epochS,
    s_per_epoch: sPerEpoch,
    ...(rows !== W5.train ? { s_per_full_epoch_estimate: (sPerEpoch * W5.train) / rows } : {}),
    test_acc: test.acc,
    test_loss: test.loss,
    phase_ms: phases.perCall(steps),
  };
}

// ---------------------------------------------------------------- W6 cnn

/**
 * W6's input [64, 1, 28, 28], labels and initial weights as WORKLOADS.md defines them, with their float64 sum
 * (bench_torch.py reports the same sum, so the two are seen to start from the same numbers).
 */
function w6Init() {
  const X = mulberry32F32(2468, 64 * 28 * 28);
  const y = Int32Array.from(mulberry32F32(1357, 64), (v) => Math.floor(Math.fround(v * 10)));
  // A conv's weights are the first out*in*k*k draws of glorot-uniform with fan_in in*k*k and fan_out out*k*k.
  const conv = (seed: number, out: number, inC: number, k: number) => glorotUniform(seed, inC * k * k, out * k * k).subarray(0, out * inC * k * k);
  const weights = { conv1: conv(31, 32, 1, 3), conv2: conv(32, 64, 32, 3), linear: glorotUniform(33, 1600, 10) };
  let checksum = 0;
  for (const a of [X, weights.conv1, weights.conv2, weights.linear, y]) for (const v of a) checksum += v;
  return { X, y, weights, checksum };
}

/**
 * W6 for tensorgrad: Conv2d(1,32,3) - ReLU - MaxPool2d(2) - Conv2d(32,64,3) - ReLU - MaxPool2d(2) - Flatten -
 * Dense(1600,10) from w6Init()'s weights (conv weights in PyTorch's layout, as given; Dense takes [1600, 10] as
 * given; biases zero), SoftmaxCrossEntropy({ clip: 0 }), Adam(lr 1e-3, epsilon 1e-8), on the one batch.
 */
function w6Cnn(steps: number) {
  const init = w6Init();
  const X = tensor(init.X, { shape: [64, 1, 28, 28] });
  const y = tensor(init.y);
  const conv1 = new Conv2d(1, 32, 3), conv2 = new Conv2d(32, 64, 3), fc = new Dense(1600, 10);
  conv1.weight.data.set(init.weights.conv1);
  conv2.weight.data.set(init.weights.conv2);
  for (const b of [conv1.bias!, conv2.bias!]) b.data.fill(0);
  fc.weights.data.set(init.weights.linear);
  const model = new Sequential([conv1, new ReLU(), new MaxPool2d(2), conv2, new ReLU(), new MaxPool2d(2), new Flatten(), fc]);
  const lossFn = new SoftmaxCrossEntropy({ clip: 0 });
  const opt = new Adam(model.parameters(), { lr: 1e-3, epsilon: 1e-8, beta1: 0.9, beta2: 0.999 });
  const phases = new Phases();
  const graphOps = countOps(lossFn.forward(model.forward(X), y));
  const { ms, last } = timeSteps(() => trainStep(model, lossFn, opt, X, y, phases).item(), 10, steps, phases);
  return { steps, ms_per_step: ms / steps, last_step_loss: last, init_checksum: init.checksum, graph_ops_forward: graphOps, phase_ms: phases.perCall(steps) };
}

// ---------------------------------------------------------------- training helpers

/**
 * One training step as every workload times it: zero the gradients, forward + loss, backward, update, with the
 * phase timers around each part. `start` false: the caller started the phase clock (W5 times its batch gather).
 */
function trainStep(
  model: { forward(x: Tensor): Tensor }, lossFn: SoftmaxCrossEntropy, opt: Adam, x: Tensor, y: Tensor, phases: Phases, start = true,
): Tensor {
  if (start) phases.start();
  opt.zeroGrad();
  const loss = lossFn.forward(model.forward(x), y);
  phases.mark(0);
  loss.backward();
  phases.mark(1);
  opt.step();
  phases.mark(2);
  return loss;
}

/** `warmup` untimed steps, then `steps` timed ones (phase timers reset in between): total ms and the last step's loss. */
function timeSteps(step: () => number, warmup: number, steps: number, phases: Phases): { ms: number; last: number } {
  for (let i = 0; i < warmup; i++) step();
  phases.reset();
  let last = NaN;
  const t0 = now();
  for (let i = 0; i < steps; i++) last = step();
  return { ms: now() - t0, last };
}

// ---------------------------------------------------------------- profiling helpers

/** Wall time of the phases of a training step (forward + loss, backward, optimizer, ...), summed over steps. */
class Phases {
  private readonly sums: number[];
  private last = 0;
  constructor(private readonly names: readonly string[] = ['forward', 'backward', 'optimizer']) {
    this.sums = names.map(() => 0);
  }
  start(): void {
    this.last = now();
  }
  mark(i: number): void {
    const t = now();
    this.sums[i] += t - this.last;
    this.last = t;
  }
  reset(): void {
    this.sums.fill(0);
  }
  perCall(n: number): Record<string, number> {
    return Object.fromEntries(this.names.map((name, i) => [name, this.sums[i] / n]));
  }
}

/** Recorded ops in the graph that made `root` (each node once). */
function countOps(root: Tensor): number {
  const seen = new Set<Tensor>();
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t.node === null || seen.has(t)) continue;
    seen.add(t);
    for (const x of t.node.inputs) stack.push(x);
  }
  return seen.size;
}

// ---------------------------------------------------------------- main

function packageVersion(name: string): string | null {
  try {
    return JSON.parse(readFileSync(new URL(`../packages/${name}/package.json`, import.meta.url), 'utf8')).version;
  } catch {
    return null;
  }
}

const CANDIDATE_BACKENDS = ['native', 'wasm', 'js'];

/** Switches to backend `name`, or says why it cannot (a backend core does not have yet is not an error here). */
function trySetBackend(name: string): { available: true } | { available: false; reason: string } {
  try {
    setBackend(name as Parameters<typeof setBackend>[0]);
  } catch (e) {
    return { available: false, reason: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  const got = backendInfo().backend;
  return got === name ? { available: true } : { available: false, reason: `setBackend('${name}') left backendInfo().backend at '${got}'` };
}

/** The backends setBackend accepts in this process, and the one a user gets without choosing (run.ts asks first). */
function probeBackends() {
  const info = backendInfo();
  const backends = CANDIDATE_BACKENDS.map((name) => ({ name, ...trySetBackend(name) }));
  trySetBackend(info.backend);
  return { peer: 'tensorgrad', default: info.backend, default_info: info, backends };
}

function kernelsText(info: ReturnType<typeof backendInfo>): string {
  const acc = info.matmulPrecision === 'high' ? 'float32' : 'float64';
  if (info.backend === 'wasm') {
    return `WebAssembly SIMD matmul (packed panels, ${info.matmulPrecision === 'high' ? '2x16 f32' : '2x8 f64'} register tile, ${acc} accumulation${info.relaxedSimd === 'used' ? ', relaxed_madd' : ''}) above ${info.minFlops} FLOPs, plain TypeScript loops for the other ops`;
  }
  if (info.backend === 'native') {
    const blas = info.native.loaded && info.native.blas.loaded && info.matmulPrecision === 'high' ? `, the system ${info.native.blas.name.split(' ').slice(0, 2).join(' ')} for the float32 products it serves (${info.native.blas.serves})` : '';
    return `native addon (C, ${info.native.loaded ? info.native.kernel : '?'} microkernel; packed GEMM, ${info.matmulPrecision === 'high' ? 'float32 FMA' : 'float64'} accumulation${blas}) for matmul above ${info.minFlops} FLOPs, the optimizer updates and their check, relu and its backward, add/sub/mul/div, axis sums and arg max/min, im2col/col2im, gather/scatterAdd and the fused softmax cross-entropy (from 256 elements), plain TypeScript loops for the other ops`;
  }
  if (info.backend === 'js') return `plain TypeScript loops over typed arrays (matmul: i-k-j, ${acc} accumulation)`;
  return `the '${info.backend}' backend, ${acc} matmul accumulation (its backendInfo() is in results.json)`;
}

function main(): void {
  const o = parseOptions(process.argv.slice(2));
  if (o.probe) {
    process.stdout.write(JSON.stringify(probeBackends()) + '\n');
    return;
  }
  if (o.backend !== undefined) {
    const r = trySetBackend(o.backend);
    if (!r.available) {
      process.stdout.write(JSON.stringify({ peer: 'tensorgrad', backend: o.backend, available: false, reason: r.reason }) + '\n');
      return;
    }
  }
  const info = backendInfo();
  const res: Record<string, unknown> = {
    peer: 'tensorgrad',
    version: packageVersion('core'),
    node: process.version,
    v8: process.versions.v8,
    backend: info.backend,
    available: true,
    matmul_precision: info.matmulPrecision,
    kernels: kernelsText(info),
    threads: info.backend === 'js' ? 1 : info.threads, // W1/W2/W5; W3 reports 1 and 2 separately
    backend_info: info,
    quick: o.quick,
  };
  const t = now();
  // W4 first, on a fresh heap: its per-op figures then do not depend on the garbage the big workloads leave
  if (o.only.has('W4')) {
    res.W4 = w4Graph(30);
    log(`W4: ${JSON.stringify(res.W4)}`);
  }
  if (o.only.has('W1')) {
    log(`W1 spiral: ${o.w1Epochs} epochs${o.w1Epochs !== 10000 ? ' (fewer than the 10,000 WORKLOADS.md defines)' : ''}`);
    res.W1 = w1Spiral(o.w1Epochs);
    log(`W1: ${JSON.stringify(res.W1)}`);
  }
  if (o.only.has('W2')) {
    log(`W2 mlp: ${W2.warmup} warm-up + ${o.w2Steps} timed steps`);
    res.W2 = w2Mlp(o.w2Steps);
    log(`W2: ${JSON.stringify(res.W2)}`);
  }
  if (o.only.has('W3')) {
    // one thread (the figure compared with numpy's one BLAS thread), then two where the backend has them
    const threads = getNumThreads();
    setNumThreads(1);
    log(`W3 matmul: N in ${o.w3Sizes.join(', ')}, 1 thread`);
    const W3: Record<string, unknown> = { threads_1: w3Matmul(o.w3Sizes) };
    if (backendInfo().backend !== 'js') {
      setNumThreads(2);
      log(`W3 matmul: N in ${o.w3Sizes.join(', ')}, 2 threads`);
      W3.threads_2 = w3Matmul(o.w3Sizes);
      if (backendInfo().backend === 'wasm') W3.threads_2_worker = backendInfo().worker; // 'ready' when the second thread really ran
    }
    setNumThreads(threads);
    res.W3 = W3;
  }
  if (o.only.has('W6')) {
    res.W6 = w6Cnn(o.quick ? 10 : 100);
    log(`W6: ${JSON.stringify(res.W6)}`);
  }
  if (o.only.has('W5')) {
    log(`W5 fashion: ${W5.epochs} epochs over ${o.w5Rows} rows${o.w5Rows !== W5.train ? ` (fewer than the ${W5.train} WORKLOADS.md defines)` : ''}`);
    res.W5 = w5Fashion(o.w5Rows);
    log(`W5: ${JSON.stringify(res.W5)}`);
  }
  res.wall_s = (now() - t) / 1e3;
  process.stdout.write(JSON.stringify(res) + '\n');
}

main();
