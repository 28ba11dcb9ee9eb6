// One training run of the playground: the data set, the split, the network, the loss and the optimizer built from a
// Config, trained one full-batch epoch at a time. The worker runs it in the page; the browser test runs the same
// code in Node to get the numbers the page must show bit for bit.
import { type Tensor, defaultGenerator, manualSeed, noGrad, setMatmulPrecision, softmax, tensor, take } from '@tensorgrad/core';
import {
  CategoricalCrossentropy, Dense, Dropout, LeakyReLU, type Loss, type Module, ReLU, Sequential, Sigmoid, Softmax, SoftmaxCrossEntropy, Tanh,
  accuracy, nnfsInit, regularizationLoss, spiralData, verticalData,
} from '@tensorgrad/nn';
import { AdaGrad, Adam, AdamW, type Optimizer, RMSProp, SGD } from '@tensorgrad/optim';
import type { Config } from './config.js';

export interface Points {
  /** [n, 2] coordinates, row-major */
  X: Float32Array;
  y: Int32Array;
}

/** The data set's points (classes * samples of them), drawn from the default generator. */
export function makeData(c: Config): Points {
  const n = c.classes * c.samples;
  let X: Float32Array, y: Int32Array;
  if (c.data === 'spiral' || c.data === 'vertical') {
    const d = (c.data === 'spiral' ? spiralData : verticalData)(c.samples, c.classes); // nnfs's, bit for bit
    X = d.X.data as Float32Array;
    y = d.y.data as Int32Array;
  } else {
    X = new Float32Array(n * 2);
    y = new Int32Array(n);
    const u = defaultGenerator.uniform(-1, 1, n * 2);
    for (let i = 0; i < n; i++) {
      const cls = i % c.classes;
      let px = u[2 * i], py = u[2 * i + 1];
      if (c.data === 'circles') {
        // ring c at radius (c + 0.5) / classes
        const angle = Math.PI * px, r = (cls + 0.5) / c.classes;
        px = r * Math.cos(angle);
        py = r * Math.sin(angle);
        y[i] = cls;
      } else if (c.data === 'blobs') {
        // a blob per class, on a circle of radius 0.6
        const angle = (2 * Math.PI * cls) / c.classes, r = 0.6;
        px = r * Math.cos(angle) + 0.15 * px;
        py = r * Math.sin(angle) + 0.15 * py;
        y[i] = cls;
      } else {
        // xor: a classes x classes checkerboard over [-1, 1]^2 (2 classes: the four quadrants)
        const cell = (v: number) => Math.min(c.classes - 1, Math.floor(((v + 1) / 2) * c.classes));
        y[i] = (cell(px) + cell(py)) % c.classes;
      }
      X[2 * i] = px;
      X[2 * i + 1] = py;
    }
  }
  if (c.noise > 0) {
    const jitter = defaultGenerator.standardNormal(n * 2);
    for (let i = 0; i < n * 2; i++) X[i] += c.noise * jitter[i];
  }
  return { X, y };
}

function activation(c: Config): Module {
  return c.activation === 'relu' ? new ReLU() : c.activation === 'tanh' ? new Tanh() : c.activation === 'sigmoid' ? new Sigmoid() : new LeakyReLU();
}

function optimizer(c: Config, params: Tensor[]): Optimizer<any> {
  const base = { lr: c.lr, decay: c.decay };
  switch (c.optimizer) {
    case 'sgd': return new SGD(params, { ...base, momentum: c.momentum });
    case 'adagrad': return new AdaGrad(params, base);
    case 'rmsprop': return new RMSProp(params, base);
    case 'adam': return new Adam(params, base);
    case 'adamw': return new AdamW(params, base);
  }
}

export interface Metrics {
  /** the epoch, from 0, as the book counts: its loss is the forward pass before that epoch's update */
  epoch: number;
  loss: number;
  accuracy: number;
  /** on the held-out points (NaN without any), with the weights after this epoch's update */
  testLoss: number;
  testAccuracy: number;
}

export class Session {
  readonly points: Points;
  /** per point: held out for testing */
  readonly isTest: Uint8Array;
  private readonly train: { X: Tensor; y: Tensor };
  private readonly test: { X: Tensor; y: Tensor } | null;
  readonly model: Sequential;
  private readonly lossFn: Loss;
  private readonly optimizer: Optimizer<any>;
  /** the next epoch to run */
  epoch = 0;

  constructor(readonly config: Config) {
    if (config.precision === 'highest') nnfsInit(); // the book's settings (float64 sums), then the seed asked for
    else setMatmulPrecision(config.precision);
    manualSeed(config.seed);
    const c = config;
    this.points = makeData(c);
    const n = this.points.y.length;
    this.isTest = new Uint8Array(n);
    const nTest = Math.round(n * c.testSplit);
    if (nTest > 0) for (const i of defaultGenerator.permutation(n).subarray(0, nTest)) this.isTest[i] = 1;
    const X = tensor(this.points.X, { shape: [n, 2] }), y = tensor(this.points.y);
    const rows = (test: number) => tensor(Int32Array.from({ length: n }, (_, i) => i).filter((i) => this.isTest[i] === test));
    this.train = nTest > 0 ? { X: take(X, rows(0), 0), y: take(y, rows(0), 0) } : { X, y };
    this.test = nTest > 0 ? { X: take(X, rows(1), 0), y: take(y, rows(1), 0) } : null;

    const layers: Module[] = [];
    let width = 2;
    for (const w of c.hidden) {
      layers.push(new Dense(width, w, c.l2 > 0 ? { weightRegularizerL2: c.l2 } : {}), activation(c));
      if (c.dropout > 0) layers.push(new Dropout(c.dropout));
      width = w;
    }
    layers.push(new Dense(width, c.classes, c.l2 > 0 ? { weightRegularizerL2: c.l2 } : {}));
    if (c.loss === 'categorical-ce') layers.push(new Softmax());
    this.model = new Sequential(layers);
    this.lossFn = c.loss === 'categorical-ce' ? new CategoricalCrossentropy() : new SoftmaxCrossEntropy();
    this.optimizer = optimizer(c, this.model.parameters());
  }

  /** One full-batch epoch, as the book's loop: forward, loss (+ L2), backward, step. */
  step(withTest = true): Metrics {
    this.model.train();
    const out = this.model.forward(this.train.X);
    const dataLoss = this.lossFn.forward(out, this.train.y);
    const total = this.config.l2 > 0 ? dataLoss.add(regularizationLoss(this.model)) : dataLoss;
    const m: Metrics = { epoch: this.epoch, loss: total.item(), accuracy: accuracy(out, this.train.y), testLoss: NaN, testAccuracy: NaN };
    this.optimizer.zeroGrad();
    total.backward();
    this.optimizer.step();
    this.epoch++;
    if (withTest && this.test !== null) {
      const t = this.test;
      noGrad(() => {
        this.model.eval();
        const o = this.model.forward(t.X);
        m.testLoss = this.lossFn.forward(o, t.y).item();
        m.testAccuracy = accuracy(o, t.y);
      });
    }
    return m;
  }

  /** The predicted class and its probability on an n x n grid over [x0, x1] x [y0, y1], row 0 at the top (y1). */
  grid(n: number, [x0, x1, y0, y1]: readonly number[]): { cls: Uint8Array; prob: Float32Array } {
    const g = new Float32Array(n * n * 2);
    for (let r = 0; r < n; r++) {
      for (let col = 0; col < n; col++) {
        g[2 * (r * n + col)] = x0 + ((col + 0.5) / n) * (x1 - x0);
        g[2 * (r * n + col) + 1] = y1 - ((r + 0.5) / n) * (y1 - y0);
      }
    }
    return noGrad(() => {
      this.model.eval();
      const out = this.model.forward(tensor(g, { shape: [n * n, 2] }));
      const p = (this.config.loss === 'categorical-ce' ? out : softmax(out, 1)).data as Float32Array;
      const k = this.config.classes, cls = new Uint8Array(n * n), prob = new Float32Array(n * n);
      for (let i = 0; i < n * n; i++) {
        let best = 0;
        for (let j = 1; j < k; j++) if (p[i * k + j] > p[i * k + best]) best = j;
        cls[i] = best;
        prob[i] = p[i * k + best];
      }
      return { cls, prob };
    });
  }
}

/** The plotting window: the points' bounds with a margin, square, so circles look round. */
export function bounds(p: Points): [number, number, number, number] {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < p.y.length; i++) {
    x0 = Math.min(x0, p.X[2 * i]); x1 = Math.max(x1, p.X[2 * i]);
    y0 = Math.min(y0, p.X[2 * i + 1]); y1 = Math.max(y1, p.X[2 * i + 1]);
  }
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, half = (Math.max(x1 - x0, y1 - y0) / 2) * 1.1 + 0.05;
  return [cx - half, cx + half, cy - half, cy + half];
}
