// Convolutions, pools, unfold/fold and the conv, pool and shape layers against PyTorch float64
// (tests/fixtures/layers_conv_torch.json, made by make_layers_conv_torch.py), their gradients of every order,
// their errors, and the layers through model files, ONNX and PyTorch's names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tg from '@tensorgrad/core';
import * as ort from 'onnxruntime-node';
import { Tensor, tensor, gradients, gradcheck, gradgradcheck, randn, noGrad, Generator, ShapeError, ValueError, DTypeError } from '@tensorgrad/core';
import * as nn from '@tensorgrad/nn';
import {
  Module, Model, Sequential, ReLU, Conv1d, Conv2d, ConvTranspose2d, MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool2d,
  Flatten, Unflatten, Identity, Linear, ModelFormatError,
} from '@tensorgrad/nn';
import { modelToArtifacts, modelFromArtifacts, modelFromJson, onnxToBytes, toTorchStateDict, fromTorchStateDict, torchSafetensorsToBytes, torchSafetensorsFromBytes } from '@tensorgrad/io';

interface TensorJson {
  shape: number[];
  data: number[];
}
interface OpCase {
  name: string;
  op: string;
  params: Record<string, any>;
  inputs: TensorJson[];
  out: TensorJson;
  gout: TensorJson;
  grads: TensorJson[];
}
interface LayerCase {
  name: string;
  type: string;
  args: any[];
  options: Record<string, any>;
  state: Record<string, TensorJson>;
  input: TensorJson;
  out: TensorJson;
  gout: TensorJson;
  grads: Record<string, TensorJson>;
}
export const fixture = JSON.parse(readFileSync(new URL('./fixtures/layers_conv_torch.json', import.meta.url), 'utf8')) as { ops: OpCase[]; layers: LayerCase[] };

const load = (t: TensorJson, requiresGrad = false) => tensor(t.data, { dtype: 'float64', shape: t.shape, requiresGrad });

/** Within 1e-10 of want (relative to max(|want|, 1)), with the same shape. */
function expectClose(got: Tensor, want: TensorJson, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  const bad = want.data.findIndex((w, i) => !(Math.abs(got.data[i] - w) <= 1e-10 * Math.max(Math.abs(w), 1)));
  expect(bad, `${what}: element ${bad} is ${got.data[bad]}, PyTorch has ${want.data[bad]}`).toBe(-1);
}

/** The functional op of a case, with its options as the case gives them. */
function runOp(c: OpCase, [x, w, b]: Tensor[]): Tensor {
  const { kernelSize, outputSize, ...o } = c.params;
  switch (c.op) {
    case 'unfold': return tg.unfold(x, kernelSize, o);
    case 'fold': return tg.fold(x, outputSize, kernelSize, o);
    case 'conv2d': return tg.conv2d(x, w, b, o);
    case 'conv1d': return tg.conv1d(x, w, b ?? null, o);
    case 'convTranspose2d': return tg.convTranspose2d(x, w, b, o);
    case 'maxPool2d': return tg.maxPool2d(x, kernelSize, o);
    case 'maxPool1d': return tg.maxPool1d(x, kernelSize, o);
    case 'avgPool2d': return tg.avgPool2d(x, kernelSize, o);
    case 'avgPool1d': return tg.avgPool1d(x, kernelSize, o);
    case 'adaptiveAvgPool2d': return tg.adaptiveAvgPool2d(x, outputSize);
  }
  throw new Error(`no runner for ${c.op}`);
}

describe('functional ops against PyTorch (float64)', () => {
  for (const c of fixture.ops) {
    it(c.name, () => {
      const inputs = c.inputs.map((t) => load(t, true));
      const out = runOp(c, inputs);
      expectClose(out, c.out, 'forward');
      const grads = gradients(out.mul(load(c.gout)).sum(), inputs);
      grads.forEach((g, i) => expectClose(g!, c.grads[i], `gradient of input ${i}`));
    });
  }
});

/** Small float64 values that keep every window's maximum apart from the rest (gradcheck steps by 1e-6). */
function spread(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = new Generator(seed).permutation(n);
  return tensor(Array.from(order, (k) => 0.1 * k - 0.05 * n), { dtype: 'float64', shape, requiresGrad: true });
}

describe('gradients of every order (float64, gradcheck and gradgradcheck)', () => {
  const r = (shape: number[], seed: number) => randn(shape, { dtype: 'float64', generator: new Generator(seed), requiresGrad: true });
  const checks: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ['unfold', (x) => tg.unfold(x, [2, 2], { padding: 1, stride: [1, 2] }), [r([1, 2, 3, 3], 1)]],
    ['fold', (x) => tg.fold(x, [3, 3], 2, { stride: 1 }), [r([1, 4, 4], 2)]],
    ['conv2d', (x, w, b) => tg.conv2d(x, w, b, { padding: 1, stride: 2, groups: 2 }), [r([1, 2, 3, 3], 3), r([2, 1, 2, 2], 4), r([2], 5)]],
    ['conv1d', (x, w) => tg.conv1d(x, w, null, { padding: 'same', dilation: 2 }), [r([1, 2, 4], 6), r([1, 2, 2], 7)]],
    ['convTranspose2d', (x, w, b) => tg.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }), [r([1, 1, 2, 2], 8), r([1, 2, 2, 2], 9), r([2], 10)]],
    ['maxPool2d', (x) => tg.maxPool2d(x, 2, { stride: 1, padding: 1 }), [spread([1, 1, 3, 3], 11)]],
    ['maxPool1d', (x) => tg.maxPool1d(x, 2, { ceilMode: true }), [spread([1, 2, 3], 12)]],
    ['avgPool2d', (x) => tg.avgPool2d(x, 2, { padding: 1, countIncludePad: false }), [r([1, 1, 3, 3], 13)]],
    ['avgPool1d', (x) => tg.avgPool1d(x, 3, { stride: 2, ceilMode: true }), [r([1, 1, 6], 14)]],
    ['adaptiveAvgPool2d', (x) => tg.adaptiveAvgPool2d(x, [2, 1]), [r([1, 1, 3, 2], 15)]],
  ];
  for (const [name, f, inputs] of checks) {
    it(name, () => {
      gradcheck(f, inputs);
      // pools: the squares make the second derivative nonzero
      gradgradcheck((...xs) => f(...xs).pow(2), inputs);
    });
  }
});

describe('ops: shapes and errors', () => {
  it('unbatched inputs give unbatched outputs', () => {
    expect(tg.conv1d(tensor([[1, 2, 3]]), tensor([[[1, 1]]])).shape).toEqual([1, 2]);
    expect(tg.maxPool2d(tg.zeros([2, 4, 4]), 2).shape).toEqual([2, 2, 2]);
    expect(tg.unfold(tg.zeros([1, 3, 3]), 2).shape).toEqual([4, 4]);
    expect(tg.fold(tg.zeros([4, 4]), 3, 2).shape).toEqual([1, 3, 3]);
  });

  it('a convolution is a few graph nodes however many output positions it has', () => {
    const x = tg.zeros([1, 1, 16, 16], { requiresGrad: true });
    const out = tg.conv2d(x, tg.zeros([2, 1, 3, 3], { requiresGrad: true }), tg.zeros([2], { requiresGrad: true }));
    const seen = new Set<unknown>();
    const walk = (t: Tensor) => {
      if (!t.node || seen.has(t.node)) return;
      seen.add(t.node);
      t.node.inputs.forEach(walk);
    };
    walk(out);
    expect(seen.size).toBeLessThanOrEqual(6);
  });

  it('refuses bad shapes and options, naming what was expected', () => {
    const x = tg.zeros([1, 2, 4, 4]);
    expect(() => tg.conv2d(tg.zeros([4, 4]), tg.zeros([1, 1, 2, 2]))).toThrow(ShapeError);
    expect(() => tg.conv2d(x, tg.zeros([1, 3, 2, 2]))).toThrow(/expects 3 input channels .* the input has 2/);
    expect(() => tg.conv2d(x, tg.zeros([3, 1, 2, 2]), null, { groups: 2 })).toThrow(/groups \(2\) must divide .* output channels \(3\)/);
    expect(() => tg.conv2d(x, tg.zeros([1, 2, 5, 5]))).toThrow(/smaller than the kernel 5 x 5/);
    expect(() => tg.conv2d(x, tg.zeros([1, 2, 2, 2]), tg.zeros([2]))).toThrow(/bias must be \[1\]/);
    expect(() => tg.conv2d(x, tg.zeros([1, 2, 2, 2]), null, { stride: 2, padding: 'same' })).toThrow(/'same' needs stride 1/);
    expect(() => tg.conv2d(x, tg.zeros([1, 2, 2, 2]), null, { stride: 0 })).toThrow(ValueError);
    expect(() => tg.conv2d(x, tg.zeros([1, 2, 2, 2], { dtype: 'float64' }))).toThrow(DTypeError);
    expect(() => tg.convTranspose2d(x, tg.zeros([2, 1, 2, 2]), null, { outputPadding: 1 })).toThrow(/outputPadding 1 must be smaller than the stride or the dilation/);
    expect(() => tg.maxPool2d(x, 2, { padding: 2 })).toThrow(/at most half the kernel/);
    expect(() => tg.fold(tg.zeros([1, 4, 5]), 3, 2)).toThrow(/has 2 x 2 = 4 windows, but the input has L = 5/);
    expect(() => tg.adaptiveAvgPool2d(x, [0, 1])).toThrow(ValueError);
  });
});

/** A layer of a fixture case, built from its TypeScript constructor arguments, with PyTorch's state loaded. */
function buildLayer(c: LayerCase): Module {
  const cls = (nn as unknown as Record<string, new (...args: any[]) => Module>)[c.type];
  const layer = new cls(...c.args, ...(Object.keys(c.options).length > 0 || c.type.includes('Conv') || c.type === 'Linear' ? [{ ...c.options, dtype: 'float64' }] : []));
  const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, load(v)]));
  if (Object.keys(state).length > 0) fromTorchStateDict(layer, state);
  return layer;
}

describe('layers against PyTorch (float64, the same weights)', () => {
  for (const c of fixture.layers) {
    it(c.name, () => {
      const layer = buildLayer(c);
      const x = load(c.input, true);
      const out = layer.forward(x);
      expectClose(out, c.out, 'forward');
      const params = layer.namedParameters();
      expect(params.map(([name]) => name).sort()).toEqual(Object.keys(c.state).sort());
      const grads = gradients(out.mul(load(c.gout)).sum(), [x, ...params.map(([, p]) => p)]);
      expectClose(grads[0]!, c.grads.input, 'gradient of the input');
      params.forEach(([name], i) => expectClose(grads[i + 1]!, c.grads[name], `gradient of ${name}`));
    });
  }

  it("default initialization is PyTorch's: U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for weight and bias", () => {
    const conv = new Conv2d(4, 6, 3, { groups: 2, generator: new Generator(3) }); // fanIn 2 * 3 * 3 = 18
    const linear = new Linear(25, 3, { generator: new Generator(4) });
    const draws = (g: Generator, bound: number, n: number) => Array.from(Float32Array.from(g.uniform(-bound, bound, n)));
    const [g3, g4] = [new Generator(3), new Generator(4)];
    expect(Array.from(conv.weight.data)).toEqual(draws(g3, 1 / Math.sqrt(18), 108));
    expect(Array.from(conv.bias!.data)).toEqual(draws(g3, 1 / Math.sqrt(18), 6));
    expect(Array.from(linear.weight.data)).toEqual(draws(g4, 0.2, 75));
    expect(Array.from(linear.bias!.data)).toEqual(draws(g4, 0.2, 3));
    expect(conv.weight.shape).toEqual([6, 2, 3, 3]);
    expect(new ConvTranspose2d(4, 6, [2, 3], { groups: 2 }).weight.shape).toEqual([4, 3, 2, 3]);
    expect(new Conv1d(2, 3, 5, { bias: false }).parameters().length).toBe(1);
    const a = new Linear(3, 2, { generator: new Generator(5) }), b = new Linear(3, 2, { generator: new Generator(5) });
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
  });

  it('refuses bad options and inputs, naming what was expected', () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/groups must be a positive integer dividing inChannels \(3\)/);
    expect(() => new Conv2d(3, 4, 0)).toThrow(ValueError);
    expect(() => new Conv2d(3, 4, 3, { stride: 2, padding: 'same' })).toThrow(/'same' needs stride 1/);
    expect(() => new MaxPool2d(2, { padding: 2 })).toThrow(/at most half/);
    expect(() => new ConvTranspose2d(1, 1, 3, { outputPadding: 1 })).toThrow(/outputPadding/);
    expect(() => new Linear(0, 3)).toThrow(/inFeatures must be a positive integer/);
    expect(() => new Linear(3, 2).forward(tensor([[1, 2]]))).toThrow(/needs a last dimension of 3/);
    expect(() => new Conv2d(3, 4, 3).forward(tg.zeros([1, 2, 5, 5]))).toThrow(/expects 3 input channels/);
    expect(() => new AdaptiveAvgPool2d([2, 0])).toThrow(ValueError);
    expect(() => new Unflatten(1, [])).toThrow(ValueError);
  });
});

/** A small CNN with every layer of this file (in float32, as a saved model is). */
function cnn(): Sequential {
  const g = new Generator(7);
  return new Sequential([
    new Conv2d(1, 4, 3, { padding: 'same', generator: g }), new ReLU(), new MaxPool2d(2, { ceilMode: true }),
    new ConvTranspose2d(4, 3, 2, { stride: 2, padding: 1, outputPadding: 1, generator: g }),
    new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }), new Conv2d(3, 4, [2, 3], { stride: [1, 2], dilation: [1, 2], groups: 1, bias: false, generator: g }),
    new AdaptiveAvgPool2d(1), new Flatten(), new Unflatten(1, [2, 2]), new Flatten(0, -1), new Unflatten(0, [-1, 4]), new Identity(),
    new Linear(4, 3, { generator: g }),
  ]);
}

function cnn1d(): Sequential {
  const g = new Generator(8);
  return new Sequential([
    new Conv1d(2, 3, 3, { padding: 1, dilation: 1, generator: g }), new MaxPool1d(2, { stride: 1, padding: 1 }),
    new AvgPool1d(2, { ceilMode: true }), new Conv1d(3, 2, 2, { stride: 2, generator: g }), new Flatten(), new Linear(4, 2, { bias: false, generator: g }),
  ]);
}

describe('the layers in model files, ONNX and PyTorch state dicts', () => {
  const x = randn([2, 1, 7, 7], { generator: new Generator(1) });
  const x1 = randn([2, 2, 9], { generator: new Generator(2) });
  const predict = (m: Module, input: Tensor) => noGrad(() => m.eval().forward(input));

  it('save and load: the same layers, options and outputs, bit for bit', () => {
    for (const [net, input] of [[cnn(), x], [cnn1d(), x1]] as const) {
      const model = new Model();
      for (const layer of net.layers) model.add(layer);
      const loaded = modelFromArtifacts(...(Object.values(modelToArtifacts(model)) as [string, Uint8Array]));
      expect(loaded.layers.map((l) => l.constructor)).toEqual(net.layers.map((l) => l.constructor));
      expect(loaded.layers.map((l) => JSON.stringify(l.config?.({ layer: () => ({}) })))).toEqual(net.layers.map((l) => JSON.stringify(l.config?.({ layer: () => ({}) }))));
      expect(Array.from(predict(loaded, input).data)).toEqual(Array.from(predict(model, input).data));
    }
  });

  it("a model file from before Identity (the book's identity activation saved as type 'Linear') loads as Identity", () => {
    const model = new Model();
    model.add(new Identity());
    const doc = JSON.parse(modelToArtifacts(model).json);
    expect(doc.layers).toEqual([{ type: 'Identity' }]);
    const old = JSON.stringify({ ...doc, layers: [{ type: 'Linear' }] });
    expect(modelFromJson(old).layers[0]).toBeInstanceOf(Identity);
    // a PyTorch Linear's config is read as one, and checked
    const linear = JSON.stringify({ ...doc, layers: [{ type: 'Linear', inFeatures: 3, outFeatures: -1 }] });
    expect(() => modelFromJson(linear)).toThrow(ModelFormatError);
    expect(() => modelFromJson(JSON.stringify({ ...doc, layers: [{ type: 'Conv2d', inChannels: 1, outChannels: 2, kernelSize: [3], stride: [1, 1], dilation: [1, 1], padding: [0, 0] }] }))).toThrow(/kernelSize must be an array of 2 integers/);
  });

  it('exported to ONNX, onnxruntime gives our outputs', async () => {
    for (const [net, input] of [[cnn(), x], [cnn1d(), x1]] as const) {
      const bytes = onnxToBytes(net, input);
      const session = await ort.InferenceSession.create(bytes);
      const result = (await session.run({ input: new ort.Tensor('float32', input.data as Float32Array, input.shape) })).output;
      const want = predict(net, input);
      expect([...result.dims]).toEqual(want.shape);
      const got = result.data as Float32Array;
      want.data.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w))));
    }
    expect(() => onnxToBytes(new AdaptiveAvgPool2d(2), x)).toThrow(/only outputSize 1 exports/);
  });

  it("PyTorch's names and layouts, written and read back bit for bit", () => {
    const net = cnn();
    const sd = toTorchStateDict(net);
    expect(Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]))).toEqual({
      '0.weight': [4, 1, 3, 3], '0.bias': [4], '3.weight': [4, 3, 2, 2], '3.bias': [3], '5.weight': [4, 3, 2, 3], '12.weight': [3, 4], '12.bias': [3],
    });
    const other = cnn();
    for (const p of other.parameters()) p.data.fill(0);
    torchSafetensorsFromBytes(other, torchSafetensorsToBytes(net));
    expect(other.namedParameters().map(([n, p]) => [n, Array.from(p.data)])).toEqual(net.namedParameters().map(([n, p]) => [n, Array.from(p.data)]));
  });
});
