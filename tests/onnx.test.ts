// ONNX export, checked by running the exported bytes in onnxruntime-node against tensorgrad's own forward pass.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Tensor, ShapeError, ValueError, manualSeed, randn, noGrad } from '@tensorgrad/core';
import { Module, Model, Sequential, Dense, Dropout, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Identity, Step } from '@tensorgrad/nn';
import { exportOnnx, OnnxExportError } from '@tensorgrad/io';

const BYTES = { bytes: true } as const;

async function runOnnx(target: Uint8Array | string, x: Tensor, names = { input: 'input', output: 'output' }): Promise<ort.Tensor> {
  const session = typeof target === 'string' ? await ort.InferenceSession.create(target) : await ort.InferenceSession.create(target);
  const feed = new ort.Tensor(x.dtype as 'float32' | 'float64', x.data as Float32Array, x.shape);
  const result = await session.run({ [names.input]: feed });
  return result[names.output];
}

/** ONNX's output has tensorgrad's shape and values within atol + rtol * |expected| everywhere. */
function expectClose(actual: ort.Tensor, expected: Tensor, tol: number): void {
  expect([...actual.dims]).toEqual(expected.shape);
  const a = actual.data as Float32Array | Float64Array;
  expect(a.length).toBe(expected.size);
  const bad: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const e = expected.data[i];
    if (!(Math.abs(a[i] - e) <= tol * (1 + Math.abs(e)))) bad.push(`[${i}] onnx ${a[i]} vs ${e}`);
  }
  expect(bad.slice(0, 5)).toEqual([]);
}

/** Dense biases start at zero: fill them, so that a lost or misplaced bias shows. */
function withBiases<M extends Module>(m: M): M {
  for (const layer of m.modules()) {
    if (layer instanceof Dense) layer.biases.data.set(randn(layer.biases.shape, { dtype: layer.biases.dtype }).mul(0.5).data);
  }
  return m;
}

const predict = (m: Module, x: Tensor) => noGrad(() => m.eval().forward(x));

/** Every parameter's values and every module's training flag, to compare before and after an export. */
function snapshot(m: Module) {
  return {
    params: m.namedParameters().map(([name, p]) => [name, Array.from(p.data), p.grad] as const),
    modes: m.modules().map((x) => x.training),
  };
}

describe('exported models give onnxruntime the same outputs as tensorgrad', () => {
  it('a 2-64-3 ReLU / Softmax classifier (Model), on a batch size other than the sample', async () => {
    manualSeed(1);
    const model = new Model();
    model.add(new Dense(2, 64, { init: 'heNormal' })).add(new ReLU()).add(new Dense(64, 3, { init: 'glorotUniform' })).add(new Softmax());
    const bytes = exportOnnx(withBiases(model), randn([4, 2]), BYTES);
    const x = randn([37, 2]).mul(3);
    expectClose(await runOnnx(bytes, x), predict(model, x), 1e-5);
  });

  it('a 3-layer Tanh / Sigmoid Sequential with Dropout (left out at inference)', async () => {
    manualSeed(2);
    const model = new Sequential([
      new Dense(5, 32, { init: 'glorotNormal' }), new Tanh(), new Dropout(0.3),
      new Dense(32, 16, { init: 'glorotNormal' }), new Sigmoid(), new Dropout(0.1),
      new Dense(16, 4, { init: 'glorotNormal' }), new Sigmoid(),
    ]);
    const bytes = exportOnnx(withBiases(model), randn([3, 5]), BYTES);
    const x = randn([10, 5]);
    expectClose(await runOnnx(bytes, x), predict(model, x), 1e-5);
  });

  it('a LeakyReLU regression model with an Identity output (no node for the identity)', async () => {
    manualSeed(3);
    const model = new Model();
    model.add(new Dense(1, 64, { init: 'heUniform' })).add(new LeakyReLU(0.05));
    model.add(new Dense(64, 64, { init: 'heUniform' })).add(new LeakyReLU());
    model.add(new Dense(64, 1, { init: 'heUniform' })).add(new Identity());
    const bytes = exportOnnx(withBiases(model), randn([8, 1]), BYTES);
    const x = randn([25, 1]).mul(2);
    const out = predict(model, x);
    expect(out.data.some((v) => v < 0)).toBe(true); // the negative slope is exercised
    expectClose(await runOnnx(bytes, x), out, 1e-5);
  });

  it('a float64 model computes in float64 (DOUBLE)', async () => {
    manualSeed(4);
    const dtype = 'float64';
    const model = new Sequential([
      new Dense(3, 8, { dtype, init: 'heNormal' }), new LeakyReLU(0.25), new Dense(8, 8, { dtype, init: 'heNormal' }), new Tanh(),
      new Dense(8, 2, { dtype, init: 'heNormal' }), new Softmax(),
    ]);
    const bytes = exportOnnx(withBiases(model), randn([2, 3], { dtype }), BYTES);
    const x = randn([9, 3], { dtype });
    const out = await runOnnx(bytes, x);
    expect(out.type).toBe('float64');
    // ONNX stores LeakyRelu's alpha as a float32 attribute: 0.25 is exact in it, so float64 agreement is tight.
    expectClose(out, predict(model, x), 1e-12);
  });

  it('Step (Greater + Cast), inside a model and as its output', async () => {
    manualSeed(5);
    const model = new Sequential([new Dense(3, 6, { init: 'heNormal' }), new Step(), new Dense(6, 4, { init: 'heNormal' }), new Step()]);
    const bytes = exportOnnx(withBiases(model), randn([2, 3]), BYTES);
    const x = randn([20, 3]);
    const expected = predict(model, x);
    expect(new Set(expected.data)).toEqual(new Set([0, 1]));
    expectClose(await runOnnx(bytes, x), expected, 0);
  });

  it('a single layer, a model of identities only, and a Softmax on another axis', async () => {
    manualSeed(6);
    const dense = withBiases(new Dense(4, 3, { init: 'glorotUniform' }));
    const x = randn([5, 4]);
    expectClose(await runOnnx(exportOnnx(dense, x, BYTES), x), predict(dense, x), 1e-5);

    const identity = new Sequential([new Identity(), new Dropout(0.5)]);
    expectClose(await runOnnx(exportOnnx(identity, x, BYTES), x), x, 0);

    const columns = withBiases(new Sequential([new Dense(4, 3, { init: 'heNormal' }), new Softmax(0)]));
    expectClose(await runOnnx(exportOnnx(columns, x, BYTES), x), predict(columns, x), 1e-5);
  });

  it('nested Sequentials are walked in order', async () => {
    manualSeed(7);
    const model = new Sequential([new Sequential([new Dense(2, 5, { init: 'heNormal' }), new ReLU()]), new Dense(5, 2, { init: 'heNormal' })]);
    withBiases(model);
    const x = randn([6, 2]);
    expectClose(await runOnnx(exportOnnx(model, x, BYTES), x), predict(model, x), 1e-5);
  });

  it('opsets 13 to 21 all load; the names, dtype and symbolic batch dimension are in the graph', async () => {
    manualSeed(8);
    const model = withBiases(new Sequential([new Dense(2, 3, { init: 'heNormal' }), new Softmax()]));
    const sample = randn([4, 2]);
    const x = randn([7, 2]);
    for (const opset of [13, 17, 21]) {
      expectClose(await runOnnx(exportOnnx(model, sample, BYTES, { opset }), x), predict(model, x), 1e-5);
    }
    const names = { input: 'features', output: 'probs' };
    const bytes = exportOnnx(model, sample, BYTES, { inputName: names.input, outputName: names.output });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['features']);
    expect(session.outputNames).toEqual(['probs']);
    expect(session.inputMetadata[0]).toMatchObject({ isTensor: true, type: 'float32', shape: ['batch', 2] });
    expect(session.outputMetadata[0]).toMatchObject({ isTensor: true, type: 'float32', shape: ['batch', 3] });
    expectClose(await runOnnx(bytes, x, names), predict(model, x), 1e-5);

    const fixed = await ort.InferenceSession.create(exportOnnx(model, sample, BYTES, { dynamicBatch: false }));
    expect(fixed.inputMetadata[0]).toMatchObject({ shape: [4, 2] });
    expect(fixed.outputMetadata[0]).toMatchObject({ shape: [4, 3] });
  });
});

describe('what export refuses, and what it leaves alone', () => {
  class Doubler extends Module {
    forward(x: Tensor): Tensor {
      return x.mul(2);
    }
  }

  it('an unsupported layer throws OnnxExportError naming its class and path', () => {
    const model = new Model();
    model.add(new Dense(2, 4)).add(new ReLU()).add(new Doubler());
    const err = (() => {
      try {
        exportOnnx(model, randn([3, 2]), BYTES);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(OnnxExportError);
    expect(err).toBeInstanceOf(ValueError);
    expect((err as Error).name).toBe('OnnxExportError');
    expect((err as Error).message).toMatch(/layer layers\.2 \(Doubler\) is not supported/);

    const nested = new Sequential([new Dense(2, 2), new Sequential([new ReLU(), new Doubler()])]);
    expect(() => exportOnnx(nested, randn([3, 2]), BYTES)).toThrow(/layers\.1\.layers\.1 \(Doubler\)/);
    expect(() => exportOnnx(new Doubler(), randn([3, 2]), BYTES)).toThrow(/the model itself \(Doubler\)/);
  });

  it('a sample input that does not fit, of another dtype, or bad options', () => {
    const model = new Sequential([new Dense(2, 4), new ReLU(), new Dense(4, 1)]);
    expect(() => exportOnnx(model, randn([3, 5]), BYTES)).toThrow(ShapeError);
    expect(() => exportOnnx(model, randn([3, 5]), BYTES)).toThrow(/exportOnnx: running layer layers\.0 \(Dense\).*\[3, 5\]/);
    expect(() => exportOnnx(model, randn([3, 2], { dtype: 'float64' }), BYTES)).toThrow(/float32 parameters but the sample input is float64/);
    expect(() => exportOnnx(model, randn([3, 2]).astype('int32'), BYTES)).toThrow(OnnxExportError);
    expect(() => exportOnnx(model, randn([3, 2]), BYTES, { opset: 12 })).toThrow(/opset must be an integer from 13 to 21, got 12/);
    expect(() => exportOnnx(model, randn([3, 2]), BYTES, { inputName: 'x', outputName: 'x' })).toThrow(OnnxExportError);
    expect(() => exportOnnx(model, randn([3, 2]), BYTES, { inputName: 'layers.0.weights' })).toThrow(/already names a value inside the graph/);
  });

  it('parameters, gradients and training flags are unchanged by an export', () => {
    manualSeed(9);
    const model = new Sequential([new Dense(3, 4), new Dropout(0.5), new Dense(4, 2), new Softmax()]);
    // a mix of modes, to see each flag put back as it was
    model.train();
    model.layers[1].training = false;
    (model.layers[0] as Dense).weights.grad = randn([3, 4]);
    const before = snapshot(model);
    exportOnnx(model, randn([5, 3]), BYTES);
    expect(snapshot(model)).toEqual(before);

    model.eval();
    const evalBefore = snapshot(model);
    expect(() => exportOnnx(model, randn([5, 7]), BYTES)).toThrow(ShapeError); // also after a failed run
    model.train();
    expect(() => exportOnnx(model, randn([5, 7]), BYTES)).toThrow(ShapeError);
    expect(model.modules().every((m) => m.training)).toBe(true);
    expect(snapshot(model.eval())).toEqual(evalBefore);
  });

  it('the same layer used twice stores its parameters once', async () => {
    manualSeed(11);
    const shared = withBiases(new Dense(3, 3, { init: 'heNormal' }));
    const model = new Sequential([shared, new Tanh(), shared]);
    const x = randn([4, 3]);
    expectClose(await runOnnx(exportOnnx(model, x, BYTES), x), predict(model, x), 1e-5);
  });

  it('the modules import nothing from node at load time, so browsers can use the bytes functions', () => {
    for (const src of ['onnx.ts', 'protobuf.ts', 'files.node.ts', 'torch.ts']) {
      const text = readFileSync(new URL(`../packages/io/src/${src}`, import.meta.url), 'utf8');
      expect(text).not.toMatch(/^import [^;]*from ['"](node:|fs|path)/m);
    }
  });

  it('writes the file at a path (and returns the same bytes), leaving no temporary file', async () => {
    manualSeed(10);
    const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-onnx-'));
    try {
      const model = withBiases(new Sequential([new Dense(3, 5, { init: 'heNormal' }), new Tanh(), new Dense(5, 2, { init: 'heNormal' })]));
      const path = join(dir, 'model.onnx');
      const bytes = exportOnnx(model, randn([2, 3]), path);
      expect(existsSync(path)).toBe(true);
      expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
      expect(readdirSync(dir)).toEqual(['model.onnx']);
      const x = randn([4, 3]);
      expectClose(await runOnnx(path, x), predict(model, x), 1e-5);
      expect(() => exportOnnx(model, randn([2, 3]), join(dir, 'missing', 'model.onnx'))).toThrow();
      expect(readdirSync(dir)).toEqual(['model.onnx']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
