// A layer described in one file: this test file alone defines a new layer, registers it, and then saves and
// loads it, exports it to ONNX (run in onnxruntime-node) and moves its weights through PyTorch's names.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { type Tensor, Generator, manualSeed, ones, randn, zeros, noGrad } from '@tensorgrad/core';
import {
  Module, Model, Dense, Tanh, Sequential, MeanSquaredError, registerLayer, registeredLayers,
  type ConfigReader, type JsonObject, type OnnxGraphBuilder, type TorchParameter,
} from '@tensorgrad/nn';
import {
  saveModel, loadModel, modelToJson, modelFromJson, exportOnnx, toTorchStateDict, fromTorchStateDict,
  torchSafetensorsToBytes, torchSafetensorsFromBytes,
} from '@tensorgrad/io';

/** Per-feature scale and shift, y = x * weight + bias (the affine part of a LayerNorm), weight and bias of shape [n]. */
class Affine extends Module {
  static readonly typeName = 'Affine';
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(readonly n: number) {
    super();
    this.weight = ones([n], { requiresGrad: true });
    this.bias = zeros([n], { requiresGrad: true });
  }

  forward(x: Tensor): Tensor {
    return x.mul(this.weight).add(this.bias);
  }

  override config(): JsonObject {
    return { n: this.n };
  }

  static fromConfig(r: ConfigReader): Affine {
    const n = r.int('n', 1, 1 << 20);
    r.reserveParameters(2 * n, `Affine ${n}`);
    return new Affine(n);
  }

  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Add', [g.node('Mul', [input, g.parameter(this.weight)]), g.parameter(this.bias)]);
  }

  // PyTorch's LayerNorm names its affine parameters weight and bias, both [n], as here.
  override torchParameters(): TorchParameter[] {
    return [this.weight, this.bias].map((p, i) => ({
      name: i === 0 ? 'weight' : 'bias',
      shape: [this.n],
      get: () => p.detach().clone(),
      set: (v: Tensor) => p.data.set(v.data),
    }));
  }
}
registerLayer(Affine);

function model(): Model {
  manualSeed(3);
  const m = new Model();
  m.add(new Dense(3, 4)).add(new Affine(4)).add(new Sequential([new Tanh(), new Affine(4)])).add(new Dense(4, 2));
  m.set({ loss: new MeanSquaredError(), accuracy: 'regression' });
  const g = new Generator(7);
  for (const p of m.parameters()) p.data.set(g.uniform(-1, 1, p.size)); // no ones and zeros to hide a mix-up
  return m;
}

const X = () => randn([5, 3], { generator: new Generator(1) });
const same = (a: Tensor, b: Tensor) => expect(Array.from(b.data)).toEqual(Array.from(a.data));

describe('a layer defined and registered in a test file', () => {
  it('is in the registry, beside the built-ins', () => {
    expect(registeredLayers().map((c) => c.typeName)).toContain('Affine');
    expect(registeredLayers().map((c) => c.typeName)).toContain('Dense');
    class Impostor extends Module {
      static readonly typeName = 'Dense';
      static fromConfig = () => new Impostor();
      forward = (x: Tensor) => x;
    }
    expect(() => registerLayer(Impostor)).toThrow(/'Dense' is a built-in layer type/);
  });

  it('saves and loads with saveModel / loadModel: same layers, options and predictions', () => {
    const m = model();
    const json = JSON.parse(modelToJson(m));
    expect(json.layers[1]).toEqual({ type: 'Affine', n: 4 });
    expect(json.layers[2].layers[1]).toEqual({ type: 'Affine', n: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-registry-'));
    try {
      saveModel(m, dir);
      const loaded = loadModel(dir);
      expect(loaded.layers[1]).toBeInstanceOf(Affine);
      same(m.predict(X()), loaded.predict(X()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // its own checks run on reading, with the path of the field
    const bad = modelToJson(m).replace('"n": 4', '"n": 0');
    expect(() => modelFromJson(bad)).toThrow(/layers\[1\]\.n must be an integer in \[1, 1048576\], got 0/);
    expect(() => modelFromJson(modelToJson(m).replace('"n": 4', '"n": 4, "m": 1'))).toThrow(/layers\[1\] has unknown key "m"/);
  });

  it('exports to ONNX with its own lowering, and onnxruntime computes what predict does', async () => {
    const m = model();
    const x = X();
    const session = await ort.InferenceSession.create(exportOnnx(m, x, { bytes: true }));
    const result = await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, [...x.shape]) });
    const expected = noGrad(() => m.predict(x));
    const got = result.output.data as Float32Array;
    expect(result.output.dims).toEqual(expected.shape);
    expected.data.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-5));
  });

  it('round-trips through PyTorch names (its own naming inside torch.nn.Sequential numbering)', () => {
    const m = model();
    const sd = toTorchStateDict(m);
    expect(Object.keys(sd).sort()).toEqual(['0.bias', '0.weight', '1.bias', '1.weight', '2.1.bias', '2.1.weight', '3.bias', '3.weight']);
    expect(sd['1.weight'].shape).toEqual([4]);
    const fresh = model();
    for (const p of fresh.parameters()) p.data.fill(0);
    torchSafetensorsFromBytes(fresh, torchSafetensorsToBytes(m));
    fresh.namedParameters().forEach(([, p], i) => same(m.parameters()[i], p));
    fromTorchStateDict(fresh, sd);
    same(m.predict(X()), fresh.predict(X()));
  });
});
