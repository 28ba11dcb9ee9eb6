import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tensor, manualSeed, Generator, Tensor, gradcheck, ShapeError, DTypeError, IndexError, oneHot, noGrad, randn } from '@tensorgrad/core';
import {
  Dense, ReLU, Softmax, Sequential, Dropout, Module, StateDictError, SoftmaxCrossEntropy, CategoricalCrossentropy,
  BinaryCrossentropy, MeanSquaredError, MeanAbsoluteError, accuracy, regressionAccuracy, spiralData, verticalData,
  sineData, batches, regularizationLoss, LeakyReLU, Sigmoid, Tanh, Identity, Step,
} from '@tensorgrad/nn';

const data = JSON.parse(readFileSync(new URL('./fixtures/nnfs_data.json', import.meta.url), 'utf8'));
const training = JSON.parse(readFileSync(new URL('./fixtures/nnfs_training.json', import.meta.url), 'utf8'));

const flat = (x: any): number[] => (Array.isArray(x) ? x.flat(Infinity) : [x]);
const f64 = (x: any, requiresGrad = false) => tensor(x, { dtype: 'float64', requiresGrad });

function expectBits(actual: ArrayLike<number>, expected: number[]) {
  expect(actual.length).toBe(expected.length);
  const bad = expected.findIndex((v, i) => !Object.is(actual[i], v));
  expect(bad, `first mismatch at ${bad}: ${actual[bad]} vs ${expected[bad]}`).toBe(-1);
}

describe('data sets reproduce nnfs bit for bit', () => {
  it.each([
    ['spiral_100x3', () => spiralData(100, 3)],
    ['spiral_5x2', () => spiralData(5, 2)],
    ['vertical_100x3', () => verticalData(100, 3)],
    ['vertical_4x3', () => verticalData(4, 3)],
  ])('%s after manualSeed(0)', (key, make) => {
    manualSeed(0);
    const { X, y } = make();
    const ref = data.datasets[key];
    expect(X.dtype).toBe('float32');
    expect(X.shape).toEqual(ref.shape_X);
    expectBits(X.data, flat(ref.X));
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.data)).toEqual(ref.y);
  });

  it('sine_1000: X exact; y = sin within 1 ulp of numpy float64 (V8 and numpy round sin differently), exact in float32', () => {
    const ref = data.datasets.sine_1000;
    const exact = sineData(1000, { dtype: 'float64' });
    expectBits(exact.X.data, flat(ref.X));
    flat(ref.y).forEach((v, i) => expect(Math.abs(exact.y.data[i] - v)).toBeLessThanOrEqual(Number.EPSILON * Math.max(Math.abs(v), 2 ** -1022)));
    const f32 = sineData(1000);
    expect(f32.X.dtype).toBe('float32');
    expect(f32.X.shape).toEqual([1000, 1]);
    expectBits(f32.y.data, flat(ref.y).map(Math.fround));
  });

  it("the book's initial weights: manualSeed(0), spiralData(100, 3), Dense(2, 64), Dense(64, 3)", () => {
    manualSeed(0);
    spiralData(100, 3);
    const d1 = new Dense(2, 64);
    const d2 = new Dense(64, 3);
    expectBits(d1.weights.data, flat(training.init.W1));
    expectBits(d2.weights.data, flat(training.init.W2));
    expect(Array.from(d1.biases.data).every((v) => v === 0)).toBe(true);
    expect(d1.biases.shape).toEqual([1, 64]);
  });
});

describe('Dense', () => {
  it("autograd gradients equal the notebook's hand-written backward on random data", () => {
    const g = new Generator(3);
    const layer = new Dense(4, 5, { dtype: 'float64', generator: g });
    const inputs = randn([6, 4], { dtype: 'float64', generator: g }).requiresGrad_();
    const dvalues = randn([6, 5], { dtype: 'float64', generator: g });
    layer.forward(inputs).backward(dvalues);
    // dweights = inputs.T @ dvalues, dbiases = sum(dvalues, axis=0, keepdims), dinputs = dvalues @ weights.T
    const dweights = inputs.detach().T.matmul(dvalues);
    const dbiases = dvalues.sum(0, true);
    const dinputs = dvalues.matmul(layer.weights.detach().T);
    for (const [got, want] of [[layer.weights.grad!, dweights], [layer.biases.grad!, dbiases], [inputs.grad!, dinputs]]) {
      expect(got.shape).toEqual(want.shape);
      got.data.forEach((v, i) => expect(v).toBeCloseTo(want.data[i], 12));
    }
  });

  it('initializers have the right scale and rejected bad arguments', () => {
    const g = new Generator(1);
    const std = (t: Tensor) => Math.sqrt(t.mul(t).mean().item());
    expect(std(new Dense(200, 300, { init: 'heNormal', generator: g, dtype: 'float64' }).weights)).toBeCloseTo(Math.sqrt(2 / 200), 2);
    expect(std(new Dense(200, 300, { init: 'glorotNormal', generator: g, dtype: 'float64' }).weights)).toBeCloseTo(Math.sqrt(2 / 500), 2);
    const gu = new Dense(200, 300, { init: 'glorotUniform', generator: g }).weights;
    expect(gu.abs().max().item()).toBeLessThanOrEqual(Math.sqrt(6 / 500));
    expect(std(gu)).toBeCloseTo(Math.sqrt(6 / 500) / Math.sqrt(3), 2);
    const hu = new Dense(200, 300, { init: 'heUniform', generator: g }).weights;
    expect(hu.abs().max().item()).toBeLessThanOrEqual(Math.sqrt(6 / 200));
    expect(() => new Dense(0, 3)).toThrow(/nIn must be a positive integer/);
    expect(() => new Dense(2, 3, { init: 'bogus' as any })).toThrow(/unknown init 'bogus'/);
    expect(() => new Dense(2, 3).forward(tensor([[1, 2, 3]]))).toThrow(ShapeError);
  });

  it("regularization loss is the book's l1 * sum|w| + l2 * sum(w^2), and its gradient flows", () => {
    const d = new Dense(2, 2, { dtype: 'float64', weightRegularizerL1: 0.1, weightRegularizerL2: 0.01, biasRegularizerL2: 0.5 });
    d.weights.data.set([1, -2, 3, -4]);
    d.biases.data.set([1, 2]);
    const model = new Sequential([d, new ReLU()]);
    const reg = regularizationLoss(model);
    expect(reg.item()).toBeCloseTo(0.1 * 10 + 0.01 * 30 + 0.5 * 5, 12);
    reg.backward();
    expect(Array.from(d.weights.grad!.data)).toEqual([1, -2, 3, -4].map((w) => 0.1 * Math.sign(w) + 0.02 * w));
    expect(Array.from(d.biases.grad!.data)).toEqual([1, 2]);
  });
});

describe('losses', () => {
  const logits = f64([[2, 1, 0.1], [0.5, 2.5, 0.3], [1.2, 0.2, 3.1], [0, 0, 0]], true);
  const y = tensor([0, 1, 1, 2], { dtype: 'int32' });

  it("fused softmax cross-entropy: loss as CCE on softmax, gradient (softmax - onehot) / n as the notebook's", () => {
    const loss = new SoftmaxCrossEntropy().forward(logits, y);
    const probs = noGrad(() => logits.softmax(1));
    const reference = new CategoricalCrossentropy().forward(probs, y).item();
    expect(loss.item()).toBeCloseTo(reference, 12);
    loss.backward();
    // the notebook: dinputs = dvalues.copy(); dinputs[range(n), y] -= 1; dinputs /= n
    const expected = probs.sub(oneHot(y, 3, 'float64')).div(4);
    logits.grad!.data.forEach((v, i) => expect(v).toBeCloseTo(expected.data[i], 14));
  });

  it('fused softmax cross-entropy: one-hot targets, reductions, gradcheck and gradgradcheck-ready', () => {
    const sce = new SoftmaxCrossEntropy();
    const a = sce.forward(logits, y).item();
    const b = sce.forward(logits, oneHot(y, 3, 'float64')).item();
    expect(b).toBeCloseTo(a, 12);
    const none = new SoftmaxCrossEntropy({ reduction: 'none' }).forward(logits, y);
    expect(none.shape).toEqual([4]);
    expect(new SoftmaxCrossEntropy({ reduction: 'sum' }).forward(logits, y).item()).toBeCloseTo(4 * a, 12);
    const x = f64([[1, -1, 0.5], [0.2, 0.1, -0.3]], true);
    expect(gradcheck((t) => sce.forward(t, tensor([2, 0], { dtype: 'int32' })), [x]).ok).toBe(true);
    expect(gradcheck((t) => sce.forward(t, f64([[0.2, 0.3, 0.5], [1, 0, 0]])), [x]).ok).toBe(true);
    // stable for huge logits
    expect(Number.isFinite(sce.forward(f64([[1000, -1000, 0]]), tensor([1], { dtype: 'int32' })).item())).toBe(true);
  });

  it('categorical cross-entropy clips at 1e-7 as the book does', () => {
    const p = f64([[1, 0, 0]]);
    expect(new CategoricalCrossentropy().forward(p, tensor([1], { dtype: 'int32' })).item()).toBeCloseTo(-Math.log(1e-7), 10);
  });

  it('binary cross-entropy, MSE and MAE match hand computations', () => {
    const p = f64([[0.9, 0.2], [0.4, 0.7]]);
    const t = f64([[1, 0], [0, 1]]);
    const bce = (-(Math.log(0.9) + Math.log(0.8)) / 2 - (Math.log(0.6) + Math.log(0.7)) / 2) / 2;
    expect(new BinaryCrossentropy().forward(p, t).item()).toBeCloseTo(bce, 12);
    expect(new MeanSquaredError().forward(p, t).item()).toBeCloseTo((0.01 + 0.04 + 0.16 + 0.09) / 4, 12);
    expect(new MeanAbsoluteError().forward(p, t).item()).toBeCloseTo((0.1 + 0.2 + 0.4 + 0.3) / 4, 12);
    const x = f64([[0.3, 0.6], [0.45, 0.8]], true);
    for (const loss of [new BinaryCrossentropy(), new MeanSquaredError(), new MeanAbsoluteError()]) {
      expect(gradcheck((u) => loss.forward(u, t), [x]).ok).toBe(true);
    }
  });

  it('bad targets give clear errors', () => {
    const sce = new SoftmaxCrossEntropy();
    expect(() => sce.forward(logits, tensor([0, 1, 3, 0], { dtype: 'int32' }))).toThrow(IndexError);
    expect(() => sce.forward(logits, tensor([0, 1, 3, 0], { dtype: 'int32' }))).toThrow(/label 3 of sample 2 is out of range for 3 classes/);
    expect(() => sce.forward(logits, tensor([0, 1, 1, 0]))).toThrow(DTypeError);
    expect(() => sce.forward(logits, tensor([0, 1], { dtype: 'int32' }))).toThrow(/4 predictions but 2 labels/);
    expect(() => new MeanSquaredError().forward(f64([[1], [2]]), f64([1, 2]))).toThrow(/reshape/);
    expect(() => new SoftmaxCrossEntropy({ reduction: 'avg' as any })).toThrow(/reduction/);
  });
});

describe('modules', () => {
  class Net extends Module {
    body = new Sequential([new Dense(2, 4), new ReLU(), new Dropout(0.5), new Dense(4, 3)]);
    head = new Softmax();
    forward(x: Tensor) {
      return this.head.forward(this.body.forward(x));
    }
  }

  it('finds parameters with dotted names; zeroGrad, train/eval', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'body.layers.0.weights', 'body.layers.0.biases', 'body.layers.3.weights', 'body.layers.3.biases',
    ]);
    expect(net.parameters().length).toBe(4);
    net.forward(tensor([[1, 2]])).sum().backward();
    expect(net.parameters().some((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  it('stateDict round trip; loadStateDict rejects mismatches and changes nothing', () => {
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    b.eval();
    a.eval();
    const x = tensor([[0.3, -0.2]]);
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
    const before = b.parameters().map((p) => Array.from(p.data));
    const sd = a.stateDict();
    const bad1 = { ...sd, extra: sd['body.layers.0.biases'] };
    const { ['body.layers.3.biases']: _, ...bad2 } = sd;
    const bad3 = { ...sd, 'body.layers.3.biases': tensor([[1, 2]]) };
    const bad4 = { ...sd, 'body.layers.3.biases': sd['body.layers.3.biases'].astype('float64') };
    for (const [bad, err] of [[bad1, StateDictError], [bad2, StateDictError], [bad3, ShapeError], [bad4, DTypeError]] as const) {
      sd['body.layers.0.weights'].data.fill(42); // would be loaded first if loading were not all-or-nothing
      expect(() => b.loadStateDict(bad as any)).toThrow(err);
      expect(b.parameters().map((p) => Array.from(p.data))).toEqual(before);
    }
    expect(() => b.loadStateDict(bad1 as any)).toThrow(/unexpected \[extra\]/);
    expect(() => b.loadStateDict(bad2 as any)).toThrow(/missing \[body\.layers\.3\.biases\]/);
  });

  it('Dropout: inverted scaling in training, identity in eval', () => {
    const d = new Dropout(0.25, new Generator(0));
    const x = tensor(new Float64Array(4000).fill(1));
    const y = d.forward(x);
    const kept = Array.from(y.data).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-12)).toBe(true);
    expect(kept.length / 4000).toBeCloseTo(0.75, 1);
    d.eval();
    expect(d.forward(x)).toBe(x);
    expect(() => new Dropout(1)).toThrow(/rate/);
  });

  it('activation modules', () => {
    const x = f64([-2, 0, 3]);
    expect(Array.from(new ReLU().forward(x).data)).toEqual([0, 0, 3]);
    expect(Array.from(new LeakyReLU(0.1).forward(x).data)).toEqual([-0.2, 0, 3]);
    expect(new Sigmoid().forward(x).data[1]).toBe(0.5);
    expect(new Tanh().forward(x).data[2]).toBeCloseTo(Math.tanh(3), 15);
    expect(new Identity().forward(x)).toBe(x);
    expect(Array.from(new Step().forward(x).data)).toEqual([0, 0, 1]);
    const s = new Softmax().forward(f64([[1, 2, 3]]));
    expect(s.sum().item()).toBeCloseTo(1, 15);
  });
});

describe('metrics and batches', () => {
  it('accuracy with labels and one-hot; regression accuracy', () => {
    const p = f64([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4]]);
    expect(accuracy(p, tensor([0, 1, 1], { dtype: 'int32' }))).toBeCloseTo(2 / 3, 15);
    expect(accuracy(p, f64([[1, 0], [0, 1], [0, 1]]))).toBeCloseTo(2 / 3, 15);
    expect(regressionAccuracy(f64([1, 2, 3]), f64([1.05, 2.5, 3]), 0.1)).toBeCloseTo(2 / 3, 15);
  });

  it('batches cover every row once, shuffled reproducibly', () => {
    const X = tensor(Array.from({ length: 10 }, (_, i) => [i, -i]));
    const y = tensor(Int32Array.from({ length: 10 }, (_, i) => i));
    const sizes = [...batches(X, y, { batchSize: 4 })].map((b) => b.X.shape[0]);
    expect(sizes).toEqual([4, 4, 2]);
    const rows = (seed: number) => [...batches(X, y, { batchSize: 3, shuffle: true, generator: new Generator(seed) })].flatMap((b) => Array.from(b.y.data));
    expect(rows(1).slice().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows(1)).toEqual(rows(1));
    expect(rows(1)).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const b = [...batches(X, y, { batchSize: 3, shuffle: true, generator: new Generator(1) })][0];
    expect(Array.from(b.X.data)).toEqual(Array.from(b.y.data).flatMap((i) => [i, -i]));
    expect(() => [...batches(X, tensor([1, 2]))]).toThrow(/10 rows but y has 2/);
  });
});
