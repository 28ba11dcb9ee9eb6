// Convolutions, pools, unfold/fold and the conv, pool and shape layers against PyTorch float64
// (tests/fixtures/layers_conv_torch.json, made by make_layers_conv_torch.py), their gradients of every order,
// their errors, and the layers through model files, ONNX and PyTorch's names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tg from '@tensorgrad/core';
import { Tensor, tensor, gradients, gradcheck, gradgradcheck, randn, Generator, ShapeError, ValueError, DTypeError } from '@tensorgrad/core';

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
