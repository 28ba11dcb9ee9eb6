// Normalization, embedding, attention, transformer and activation layers against PyTorch float64 on the same
// weights (fixtures/layers_norm_torch.json, made by make_layers_norm_torch.py): forward, gradients of the input and
// of every parameter, BatchNorm's running statistics; then gradcheck, save/load, ONNX in onnxruntime and PyTorch names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Tensor, tensor, gradcheck, manualSeed, noGrad, randn, zeros, ShapeError, IndexError, ValueError, type DType } from '@tensorgrad/core';
import * as nn from '@tensorgrad/nn';
import { Model, Module } from '@tensorgrad/nn';
import { toTorchStateDict, fromTorchStateDict, modelToArtifacts, modelFromArtifacts, exportOnnx, torchSafetensorsToBytes, torchSafetensorsFromBytes } from '@tensorgrad/io';

type Value = number | 'nan' | 'inf' | '-inf';
interface TensorJson {
  dtype: DType | 'bool';
  shape: number[];
  data: Value[];
}
interface Step {
  mode: 'train' | 'eval';
  inputs: TensorJson[];
  kwargs: Record<string, TensorJson | boolean | number>;
  out: (TensorJson | null)[];
  gout?: TensorJson;
  grads?: { inputs: (TensorJson | null)[]; params: Record<string, TensorJson> };
}
interface Case {
  name: string;
  layer: string;
  args: Record<string, any>;
  state: Record<string, TensorJson>;
  steps: Step[];
  state_after: Record<string, TensorJson>;
  rtol: number;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/layers_norm_torch.json', import.meta.url), 'utf8')) as { cases: Case[] };

const decode = (v: Value) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const load = (t: TensorJson, dtype?: DType) =>
  tensor(t.data.map(decode), { dtype: dtype ?? (t.dtype === 'bool' ? 'int32' : t.dtype), shape: t.shape });

/** tensorgrad's layer for a fixture case, in float64. */
function build(layer: string, a: Record<string, any>): Module {
  const dtype = 'float64' as const;
  switch (layer) {
    case 'LayerNorm': return new nn.LayerNorm(a.shape, { eps: a.eps, elementwiseAffine: a.elementwiseAffine, bias: a.bias, dtype });
    case 'GroupNorm': return new nn.GroupNorm(a.groups, a.channels, { affine: a.affine, dtype });
    case 'Embedding': return new nn.Embedding(a.num, a.dim, { paddingIdx: a.paddingIdx, dtype });
    case 'BatchNorm1d': case 'BatchNorm2d':
      return new nn[layer](a.C, { eps: a.eps, momentum: a.momentum, affine: a.affine, trackRunningStats: a.track, dtype });
    case 'GELU': return new nn.GELU(a.approximate);
    case 'Softplus': return new nn.Softplus(a.beta, a.threshold);
    case 'ELU': return new nn.ELU(a.alpha);
    case 'CELU': return new nn.CELU(a.alpha);
    case 'Hardtanh': return new nn.Hardtanh(a.minVal, a.maxVal);
    case 'Softmin': return new nn.Softmin(a.dim);
    case 'LogSoftmax': return new nn.LogSoftmax(a.dim);
    case 'GLU': return new nn.GLU(a.dim);
    case 'MultiheadAttention': return new nn.MultiheadAttention(a.E, a.H, { batchFirst: a.batchFirst, kdim: a.kdim, vdim: a.vdim, bias: a.bias, dtype });
    case 'TransformerEncoderLayer':
      return new nn.TransformerEncoderLayer(a.d, a.h, {
        dimFeedforward: a.ff, normFirst: a.normFirst, activation: a.activation, batchFirst: a.batchFirst, layerNormEps: a.eps, dtype,
      });
  }
  const cls = (nn as unknown as Record<string, new () => Module>)[layer];
  if (cls === undefined) throw new Error(`layers-norm.test: no builder for '${layer}'`);
  return new cls();
}

function close(got: Tensor, want: TensorJson, what: string, rtol: number): string[] {
  if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) return [`${what}: shape [${got.shape}], expected [${want.shape}]`];
  const bad: string[] = [];
  want.data.forEach((w, i) => {
    const v = decode(w), g = got.data[i];
    const ok = Number.isNaN(v) ? Number.isNaN(g) : Math.abs(g - v) <= rtol * Math.max(1, Math.abs(v));
    if (!ok && bad.length < 3) bad.push(`${what} [${i}]: got ${g}, expected ${v}`);
  });
  return bad;
}

/** The parameters' gradients in PyTorch's names and layouts: the gradients put in the parameters' place, then named. */
function torchGrads(m: Module): Record<string, Tensor> {
  const params = m.namedParameters().map(([, p]) => p);
  const saved = params.map((p) => p.data.slice());
  params.forEach((p) => p.data.set(p.grad?.data ?? zeros(p.shape, { dtype: p.dtype }).data));
  try {
    return toTorchStateDict(m);
  } finally {
    params.forEach((p, i) => p.data.set(saved[i]));
  }
}

/** The forward's arguments for one step: input tensors (indices as int32), then its options. */
function forwardArgs(s: Step, requiresGrad: boolean): { inputs: Tensor[]; options: Record<string, unknown> } {
  const inputs = s.inputs.map((t) => (t.dtype === 'float64' ? load(t).requiresGrad_(requiresGrad) : load(t, 'int32')));
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.kwargs)) options[k] = typeof v === 'object' ? load(v) : v;
  return { inputs, options };
}

function runCase(c: Case): string[] {
  const m = build(c.layer, c.args);
  fromTorchStateDict(m, Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, load(v)])));
  const problems: string[] = [];
  c.steps.forEach((s, k) => {
    m.train(s.mode === 'train');
    m.zeroGrad();
    const { inputs, options } = forwardArgs(s, s.grads !== undefined);
    const outs: (Tensor | null)[] =
      m instanceof nn.MultiheadAttention ? m.forwardWithWeights(inputs[0], inputs[1], inputs[2], options)
        : m instanceof nn.TransformerEncoderLayer ? [m.forward(inputs[0], options)] : [m.forward(inputs[0])];
    s.out.forEach((want, i) => {
      if (want === null) {
        if (outs[i] !== null) problems.push(`step ${k} output ${i}: expected null`);
      } else problems.push(...close(outs[i]!, want, `step ${k} output ${i}`, c.rtol));
    });
    if (s.grads && s.gout) {
      outs[0]!.mul(load(s.gout)).sum().backward();
      s.grads.inputs.forEach((g, i) => g && problems.push(...close(inputs[i].grad!, g, `step ${k} gradient of input ${i}`, c.rtol)));
      const got = torchGrads(m);
      for (const [name, g] of Object.entries(s.grads.params)) problems.push(...close(got[name], g, `step ${k} gradient of ${name}`, c.rtol));
    }
  });
  const after = toTorchStateDict(m);
  for (const [name, want] of Object.entries(c.state_after)) problems.push(...close(after[name], want, `state after: ${name}`, c.rtol));
  return problems;
}

describe('layers against PyTorch float64 (fixtures/layers_norm_torch.json)', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(runCase(c)).toEqual([]);
  });

  it('covers every layer this file is about', () => {
    const covered = new Set(fixture.cases.map((c) => c.layer));
    const layers = [
      'BatchNorm1d', 'BatchNorm2d', 'LayerNorm', 'GroupNorm', 'Embedding', 'GELU', 'SiLU', 'Softplus', 'ELU', 'CELU', 'SELU', 'Mish', 'Hardswish', 'Hardsigmoid',
      'Hardtanh', 'ReLU6', 'LogSigmoid', 'Softsign', 'Softmin', 'LogSoftmax', 'GLU', 'MultiheadAttention', 'TransformerEncoderLayer',
    ];
    expect(layers.filter((l) => !covered.has(l))).toEqual([]);
  });
});

/** Parameters drawn away from their ones/zeros start, so a lost one shows. */
function randomized<M extends Module>(m: M): M {
  for (const p of m.parameters()) p.data.set(randn(p.shape, { dtype: p.dtype }).mul(0.5).add(1).data);
  return m;
}

/** A BatchNorm with running statistics of its own: two training steps on random batches of `shape`. */
function trained<M extends Module>(m: M, shape: number[]): M {
  noGrad(() => [0, 1].forEach(() => m.train().forward(randn(shape).mul(2).add(1))));
  return m;
}

const samples: [string, () => Module, () => Tensor][] = [
  ['BatchNorm2d(3) after two training steps', () => trained(new nn.BatchNorm2d(3), [4, 3, 2, 2]), () => randn([2, 3, 2, 2])],
  ['BatchNorm1d(4, no affine, momentum null) after two steps', () => trained(new nn.BatchNorm1d(4, { affine: false, momentum: null }), [5, 4]), () => randn([3, 4])],
  ['LayerNorm([2, 3])', () => new nn.LayerNorm([2, 3]), () => randn([4, 2, 3])],
  ['LayerNorm(3) without bias', () => new nn.LayerNorm(3, { bias: false, eps: 1e-3 }), () => randn([5, 3])],
  ['GroupNorm(2, 4)', () => new nn.GroupNorm(2, 4), () => randn([3, 4, 2, 2])],
  ['GroupNorm(1, 2) without affine', () => new nn.GroupNorm(1, 2, { affine: false }), () => randn([3, 2])],
  ['Embedding(7, 3, paddingIdx 0)', () => new nn.Embedding(7, 3, { paddingIdx: 0 }), () => tensor([[0, 6, 2], [3, 3, 1]], { dtype: 'float32' })],
  ['MultiheadAttention(4, 2) self-attention', () => new nn.MultiheadAttention(4, 2), () => randn([3, 2, 4])],
  ['MultiheadAttention(6, 3) batchFirst, no bias', () => new nn.MultiheadAttention(6, 3, { batchFirst: true, bias: false }), () => randn([2, 3, 6])],
  ['TransformerEncoderLayer(4, 2) post-norm relu', () => new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), () => randn([3, 2, 4])],
  ['TransformerEncoderLayer(4, 1) normFirst gelu batchFirst', () => new nn.TransformerEncoderLayer(4, 1, { dimFeedforward: 5, normFirst: true, activation: 'gelu', batchFirst: true }), () => randn([2, 3, 4])],
  ['GELU tanh', () => new nn.GELU('tanh'), () => randn([3, 4])],
  ['Softplus(2, 1)', () => new nn.Softplus(2, 1), () => randn([3, 4])],
  ['GLU(1)', () => new nn.GLU(1), () => randn([3, 4])],
  ['Softmin(1)', () => new nn.Softmin(1), () => randn([3, 4])],
  ...(['GELU', 'SiLU', 'ELU', 'CELU', 'SELU', 'Mish', 'Hardswish', 'Hardsigmoid', 'Hardtanh', 'ReLU6', 'LogSigmoid', 'Softsign', 'LogSoftmax'] as const).map(
    (name): [string, () => Module, () => Tensor] => [name, () => new (nn[name] as new () => Module)(), () => randn([3, 4]).mul(3)],
  ),
];

const predict = (m: Module, x: Tensor) => noGrad(() => m.eval().forward(x));

describe('save/load, ONNX and PyTorch names of each layer', () => {
  it.each(samples)('%s: a Model holding it saves and loads with the same predictions', (_name, make, input) => {
    manualSeed(3);
    const model = new Model().add(randomized(make()));
    const { json, weights } = modelToArtifacts(model);
    const loaded = modelFromArtifacts(json, weights);
    const x = input();
    expect(predict(loaded, x).toArray()).toEqual(predict(model, x).toArray());
    expect(JSON.parse(json).layers[0].type).toBe(make().constructor.name);
  });

  it.each(samples)('%s: onnxruntime computes what forward does', async (_name, make, input) => {
    manualSeed(4);
    const m = randomized(make());
    const x = input();
    const session = await ort.InferenceSession.create(exportOnnx(m, x, { bytes: true }));
    const result = await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, [...x.shape]) });
    const want = predict(m, x);
    expect([...result.output.dims]).toEqual(want.shape);
    const got = result.output.data as Float32Array;
    const bad = Array.from(want.data).flatMap((v, i) => (Math.abs(got[i] - v) <= 1e-5 * (1 + Math.abs(v)) ? [] : [`[${i}] ${got[i]} vs ${v}`]));
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it.each([13, 18, 21])('LayerNorm and GroupNorm at opset %i (composed before 17; ReduceMean takes its axes as an input from 18)', async (opset) => {
    manualSeed(8);
    for (const [m, x] of [[randomized(new nn.LayerNorm([2, 3])), randn([4, 2, 3])], [randomized(new nn.GroupNorm(2, 4)), randn([3, 4, 2])]] as const) {
      const session = await ort.InferenceSession.create(exportOnnx(m, x, { bytes: true }, { opset }));
      const got = (await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, [...x.shape]) })).output.data as Float32Array;
      const want = predict(m, x);
      expect(Array.from(want.data).filter((v, i) => !(Math.abs(got[i] - v) <= 1e-5 * (1 + Math.abs(v))))).toEqual([]);
    }
  });

  it.each(samples)('%s: PyTorch names round-trip bit for bit', (_name, make) => {
    manualSeed(5);
    const m = randomized(make());
    const fresh = make();
    torchSafetensorsFromBytes(fresh, torchSafetensorsToBytes(m));
    const values = (x: Module) => Object.entries(x.stateDict()).map(([n, t]) => [n, t.dtype, Array.from(t.data)]);
    expect(values(fresh)).toEqual(values(m));
  });

  it('a BatchNorm2d moved to float64 by Module.to saves its dtype and buffers, and loads as it was', () => {
    manualSeed(9);
    const model = new Model().add(trained(new nn.BatchNorm2d(2), [3, 2, 2, 2]).to('float64'));
    const { json, weights } = modelToArtifacts(model);
    expect(JSON.parse(json).layers[0].dtype).toBe('float64');
    const loaded = modelFromArtifacts(json, weights);
    const bn = loaded.layers[0] as nn.BatchNorm2d;
    expect([bn.runningMean!.dtype, Array.from(bn.numBatchesTracked!.data)]).toEqual(['float64', [2]]);
    const x = randn([2, 2, 2, 2], { dtype: 'float64' });
    expect(predict(loaded, x).toArray()).toEqual(predict(model, x).toArray());
  });

  it("PyTorch's names and shapes", () => {
    expect(Object.entries(toTorchStateDict(new nn.LayerNorm([2, 3]))).map(([k, v]) => [k, v.shape])).toEqual([['weight', [2, 3]], ['bias', [2, 3]]]);
    expect(Object.keys(toTorchStateDict(new nn.LayerNorm(3, { elementwiseAffine: false })))).toEqual([]);
    expect(Object.entries(toTorchStateDict(new nn.BatchNorm1d(3))).map(([k, v]) => [k, v.dtype, v.shape])).toEqual([
      ['weight', 'float32', [3]], ['bias', 'float32', [3]], ['running_mean', 'float32', [3]], ['running_var', 'float32', [3]],
      ['num_batches_tracked', 'int32', []],
    ]);
    expect(Object.keys(toTorchStateDict(new nn.BatchNorm2d(2, { affine: false, trackRunningStats: false })))).toEqual([]);
    expect(Object.entries(toTorchStateDict(new nn.GroupNorm(2, 4))).map(([k, v]) => [k, v.shape])).toEqual([['weight', [4]], ['bias', [4]]]);
    expect(Object.entries(toTorchStateDict(new nn.Embedding(5, 2))).map(([k, v]) => [k, v.shape])).toEqual([['weight', [5, 2]]]);
    const shapes = (m: Module) => Object.entries(toTorchStateDict(m)).map(([k, v]) => [k, v.shape]);
    expect(shapes(new nn.MultiheadAttention(4, 2))).toEqual([['in_proj_weight', [12, 4]], ['in_proj_bias', [12]], ['out_proj.weight', [4, 4]], ['out_proj.bias', [4]]]);
    expect(shapes(new nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 5, bias: false }))).toEqual([
      ['q_proj_weight', [4, 4]], ['k_proj_weight', [4, 3]], ['v_proj_weight', [4, 5]], ['out_proj.weight', [4, 4]],
    ]);
    // torch.nn.TransformerEncoderLayer(4, 2, 8).state_dict(), in its order
    expect(shapes(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }))).toEqual([
      ['self_attn.in_proj_weight', [12, 4]], ['self_attn.in_proj_bias', [12]], ['self_attn.out_proj.weight', [4, 4]], ['self_attn.out_proj.bias', [4]],
      ['linear1.weight', [8, 4]], ['linear1.bias', [8]], ['linear2.weight', [4, 8]], ['linear2.bias', [4]],
      ['norm1.weight', [4]], ['norm1.bias', [4]], ['norm2.weight', [4]], ['norm2.bias', [4]],
    ]);
  });
});

/** gradcheck of the layer's input and every parameter: its own parameter tensors are perturbed in place. */
const checkLayer = (m: Module, x: Tensor) => gradcheck((input) => m.forward(input), [x, ...m.parameters()]);

describe('gradcheck of the layers in float64 (input and parameters)', () => {
  it('LayerNorm, GroupNorm, Embedding', () => {
    manualSeed(6);
    const dtype = 'float64';
    checkLayer(randomized(new nn.LayerNorm(3, { dtype })), randn([2, 3], { dtype, requiresGrad: true }));
    checkLayer(randomized(new nn.GroupNorm(2, 4, { dtype })), randn([1, 4, 2], { dtype, requiresGrad: true }));
    checkLayer(new nn.Embedding(3, 2, { dtype }), tensor([2, 0, 2], { dtype: 'int32' }));
    for (const training of [true, false]) checkLayer(randomized(new nn.BatchNorm1d(2, { dtype })).train(training), randn([3, 2], { dtype, requiresGrad: true }));
  });

  it('MultiheadAttention (cross-attention with masks) and TransformerEncoderLayer', () => {
    manualSeed(7);
    const dtype = 'float64';
    const mha = randomized(new nn.MultiheadAttention(2, 2, { dtype, kdim: 3 }));
    const [q, k, v] = [[2, 1, 2], [3, 1, 3], [3, 1, 2]].map((shape) => randn(shape, { dtype, requiresGrad: true }));
    const options = { keyPaddingMask: tensor([[0, 0, 1]], { dtype: 'int32' }), attnMask: randn([2, 3], { dtype }) };
    gradcheck((a, b, c) => mha.forward(a, b, c, options), [q, k, v, ...mha.parameters()]);
    const tel = new nn.TransformerEncoderLayer(2, 1, { dimFeedforward: 3, activation: 'gelu', dtype }).eval();
    gradcheck((x) => tel.forward(x, { isCausal: true }), [randn([2, 1, 2], { dtype, requiresGrad: true }), ...tel.parameters()]);
  });
});

describe('errors', () => {
  it('refuse bad options and inputs with named errors', () => {
    expect(() => new nn.LayerNorm([])).toThrow(ValueError);
    expect(() => new nn.LayerNorm(3).forward(randn([2, 4]))).toThrow(/normalizedShape \[3\] must be a non-empty tail of the input's shape \[2, 4\]/);
    expect(() => new nn.GroupNorm(3, 4)).toThrow(/numChannels \(4\) must be divisible by numGroups \(3\)/);
    expect(() => new nn.GroupNorm(2, 4).forward(randn([2, 6]))).toThrow(ShapeError);
    expect(() => new nn.Embedding(3, 2).forward(tensor([3], { dtype: 'int32' }))).toThrow(IndexError);
    expect(() => new nn.Embedding(3, 2, { paddingIdx: 3 })).toThrow(/paddingIdx must be an integer in \[-3, 3\), got 3/);
    expect(() => new nn.GELU('fast' as 'tanh')).toThrow(ValueError);
    expect(() => new nn.Softplus(0)).toThrow(/beta must not be 0/);
    expect(() => new nn.Hardtanh(1, 0)).toThrow(/minVal \(1\) must not be greater than maxVal \(0\)/);
    expect(() => new nn.GLU(0).forward(randn([3, 2]))).toThrow(ShapeError);
    expect(() => new nn.BatchNorm2d(3).forward(randn([2, 3, 4]))).toThrow(/BatchNorm2d\(3\): the input must be \[N, C, H, W\] with C = 3, got \[2, 3, 4\]/);
    expect(() => new nn.BatchNorm1d(3).forward(randn([1, 3]))).toThrow(/more than 1 value per channel/);
    expect(() => new nn.BatchNorm1d(3, { momentum: 2 })).toThrow(/momentum must be a number in \[0, 1\] or null/);
    expect(() => new nn.MultiheadAttention(6, 4)).toThrow(/embedDim \(6\) must be divisible by numHeads \(4\)/);
    expect(() => new nn.MultiheadAttention(4, 2).forward(randn([3, 2, 5]))).toThrow(/query has shape \[3, 2, 5\]; expected 3 dimensions, the last 4/);
    expect(() => new nn.MultiheadAttention(4, 2).forward(randn([3, 2, 4]), randn([5, 2, 4]), randn([5, 2, 4]), { attnMask: zeros([3, 3]) })).toThrow(
      /attnMask has shape \[3, 3\], expected \[3, 5\] or \[4, 3, 5\]/,
    );
    expect(() => new nn.TransformerEncoderLayer(4, 2, { activation: 'tanh' as 'relu' })).toThrow(/activation must be 'relu' or 'gelu'/);
    expect(() => exportOnnx(new nn.MultiheadAttention(4, 2, { kdim: 3 }), randn([3, 2, 4]), { bytes: true })).toThrow(/needs kdim and vdim equal to embedDim/);
  });
});
