import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Tensor, Generator, TensorgradError, ShapeError, DTypeError, tensor, full, rand, manualSeed } from '@tensorgrad/core';
import {
  Model, Module, Dense, Dropout, Sequential, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Identity, Step, StateDictError,
  CategoricalCrossentropy, SoftmaxCrossEntropy, BinaryCrossentropy, MeanSquaredError, MeanAbsoluteError, Loss,
} from '@tensorgrad/nn';
import {
  SafetensorsError, encodeSafetensors, decodeSafetensors, ModelFormatError, MODEL_LIMITS, registerLayer, modelToJson, modelFromJson,
  modelToArtifacts, modelFromArtifacts, saveModel, loadModel,
} from '@tensorgrad/io';

/** A custom layer with a parameter and a constructor argument. */
class Scale extends Module {
  readonly w: Tensor;
  constructor(readonly n: number) {
    super();
    this.w = full([1, n], 1, { requiresGrad: true });
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.w);
  }
}
registerLayer('Scale', { cls: Scale, toConfig: (l) => ({ n: l.n }), fromConfig: (c) => new Scale(c.n as number) });

class Doubler extends Module {
  forward(x: Tensor): Tensor {
    return x.mul(2);
  }
}

/** Random parameter values (so zero biases and ones do not hide a mix-up), from a private stream. */
function scramble(model: Module, seed: number): void {
  const g = new Generator(seed);
  for (const p of model.parameters()) p.data.set(g.uniform(-1, 1, p.size));
}

function classifier(): Model {
  const model = new Model();
  model.add(new Dense(2, 16, { weightRegularizerL2: 5e-4, biasRegularizerL1: 1e-4 })).add(new ReLU()).add(new Dropout(0.1));
  model.add(new Dense(16, 3)).add(new Softmax());
  model.set({ loss: new CategoricalCrossentropy(), accuracy: 'categorical' });
  scramble(model, 1);
  return model;
}

function regressor(): Model {
  const model = new Model();
  model.add(new Dense(1, 8)).add(new Tanh());
  model.add(new Sequential([new Dense(8, 8), new LeakyReLU(0.2), new Sequential([new Sigmoid(), new Identity()])]));
  model.add(new Dense(8, 1)).add(new Identity());
  model.set({ loss: new MeanSquaredError({ reduction: 'sum' }), accuracy: 'regression' });
  scramble(model, 2);
  return model;
}

function float64Custom(): Model {
  const model = new Model();
  model.add(new Dense(3, 4, { dtype: 'float64', weightRegularizerL1: 0.25, biasRegularizerL2: 0.5 })).add(new Scale(4)).add(new Step());
  model.add(new Dense(4, 2, { dtype: 'float64' })).add(new Softmax(1));
  model.set({ loss: new SoftmaxCrossEntropy({ clip: 0, reduction: 'none' }), accuracy: (p: Tensor) => p.size });
  scramble(model, 3);
  return model;
}

const NAMED = [ModelFormatError, SafetensorsError, StateDictError, ShapeError, DTypeError];

/** Runs f: 'ok' with the model, or the error, which must be one of the named ones. */
function attempt(f: () => Model): Model | null {
  try {
    return f();
  } catch (err) {
    expect(err).toBeInstanceOf(TensorgradError);
    expect(NAMED.some((cls) => err instanceof cls), String(err)).toBe(true);
    return null;
  }
}

function expectSameParameters(a: Module, b: Module): void {
  const pa = a.namedParameters();
  const pb = b.namedParameters();
  expect(pb.map(([n, p]) => [n, p.shape, p.dtype])).toEqual(pa.map(([n, p]) => [n, p.shape, p.dtype]));
  pa.forEach(([, p], i) => expect(Array.from(pb[i][1].data)).toEqual(Array.from(p.data)));
}

describe('model round trip', () => {
  const cases: [string, () => Model, number][] = [['classifier', classifier, 2], ['regressor', regressor, 1], ['float64 + custom', float64Custom, 3]];
  for (const [name, make, nIn] of cases) {
    it(`${name}: identical predictions, loss, accuracy and regularizers after load`, () => {
      const model = make();
      const { json, weights } = modelToArtifacts(model);
      const loaded = modelFromArtifacts(json, weights);
      const X = tensor(new Generator(9).uniform(-2, 2, 5 * nIn), { shape: [5, nIn], dtype: model.parameters()[0].dtype });
      expect(Array.from(loaded.predict(X).data)).toEqual(Array.from(model.predict(X).data));
      expectSameParameters(model, loaded);
      // a custom accuracy function is saved as null and loads as 'categorical'
      expect(modelToJson(loaded)).toBe(json.replace('"accuracy": null', '"accuracy": "categorical"'));
      const [a, b] = [model.settings(), loaded.settings()];
      expect(b.loss!.constructor).toBe(a.loss!.constructor);
      expect(b.loss!.reduction).toBe(a.loss!.reduction);
      expect(b.accuracy).toBe(typeof a.accuracy === 'function' ? 'categorical' : a.accuracy);
      const dense = (m: Model) => m.modules().filter((x): x is Dense => x instanceof Dense);
      expect(dense(loaded).map((d) => [d.weightRegularizerL1, d.weightRegularizerL2, d.biasRegularizerL1, d.biasRegularizerL2]))
        .toEqual(dense(model).map((d) => [d.weightRegularizerL1, d.weightRegularizerL2, d.biasRegularizerL1, d.biasRegularizerL2]));
    });
  }

  it('keeps nesting, Dropout rate, activation options and the SoftmaxCrossEntropy clip', () => {
    const loaded = modelFromJson(modelToJson(regressor()));
    const seq = loaded.layers[2] as Sequential;
    expect(seq).toBeInstanceOf(Sequential);
    expect((seq.layers[1] as LeakyReLU).slope).toBe(0.2);
    expect((seq.layers[2] as Sequential).layers.map((l) => l.constructor)).toEqual([Sigmoid, Identity]);
    expect((modelFromJson(modelToJson(classifier())).layers[2] as Dropout).rate).toBe(0.1);
    const f = modelFromJson(modelToJson(float64Custom()));
    expect((f.settings().loss as SoftmaxCrossEntropy).clip).toBe(0);
    expect((f.layers[4] as Softmax).axis).toBe(1);
    expect(f.parameters()[0].dtype).toBe('float64');
  });

  it('saves every built-in loss with its reduction', () => {
    for (const loss of [new BinaryCrossentropy({ reduction: 'sum' }), new MeanAbsoluteError(), new CategoricalCrossentropy({ reduction: 'none' })]) {
      const model = new Model().add(new Dense(2, 1)).add(new Sigmoid());
      model.set({ loss });
      const back = modelFromJson(modelToJson(model)).settings().loss!;
      expect([back.constructor, back.reduction]).toEqual([loss.constructor, loss.reduction]);
    }
  });

  it('a loaded model trains on after an optimizer is set (finalize-ready, fused softmax)', () => {
    const loaded = modelFromArtifacts(...(Object.values(modelToArtifacts(classifier())) as [string, Uint8Array]));
    const before = loaded.parameters()[0].data.slice();
    loaded.set({ optimizer: { step: () => loaded.parameters()[0].data.fill(0), zeroGrad: () => {} } });
    loaded.train(tensor([[0.1, 0.2]]), tensor([1], { dtype: 'int32' }), { progress: 'none' });
    expect(loaded.parameters()[0].data).not.toEqual(before);
  });

  it('loading does not draw from the global random stream; modelFromJson initialises like new Dense', () => {
    const { json, weights } = modelToArtifacts(classifier());
    manualSeed(5);
    const expected = rand([3]).data;
    manualSeed(5);
    modelFromArtifacts(json, weights);
    expect(rand([3]).data).toEqual(expected);
    manualSeed(7);
    const fresh = modelFromJson(json);
    manualSeed(7);
    expect(fresh.parameters()[0].data).toEqual(new Dense(2, 16).weights.data);
  });
});

describe('custom layers', () => {
  it('an unregistered layer (even a subclass of Dense) names its class, path and how to register it', () => {
    const model = new Model().add(new Dense(2, 2)).add(new Sequential([new ReLU(), new Doubler()]));
    expect(() => modelToJson(model)).toThrow(ModelFormatError);
    expect(() => modelToJson(model)).toThrow(/layers\[1\]\.layers\[1\] is a Doubler.*registerLayer\('Doubler'/);
    class MyDense extends Dense {}
    expect(() => modelToJson(new Model().add(new MyDense(2, 2)))).toThrow(/layers\[0\] is a MyDense/);
  });

  it('save refuses a custom loss and a non-JSON config; registerLayer refuses built-in names', () => {
    class MyLoss extends Loss {
      sampleLosses(p: Tensor): Tensor {
        return p.sum(1);
      }
    }
    expect(() => modelToJson(new Model().add(new ReLU()).set({ loss: new MyLoss() }))).toThrow(/loss is a MyLoss/);
    // Dense refuses a NaN regularizer when made (tests/hardening.test.ts); one set afterwards is still caught here
    const nanReg = new Dense(2, 2);
    (nanReg as { weightRegularizerL2: number }).weightRegularizerL2 = NaN;
    expect(() => modelToJson(new Model().add(nanReg))).toThrow(/layers\[0\]\.weightRegularizerL2.*NaN/);
    class Bad extends Module {
      forward(x: Tensor) {
        return x;
      }
    }
    registerLayer('Bad', { cls: Bad, toConfig: () => ({ f: Infinity }), fromConfig: () => new Bad() });
    expect(() => modelToJson(new Model().add(new Bad()))).toThrow(/layers\[0\]\.config\.f is Infinity/);
    expect(() => registerLayer('Dense', { cls: Bad, toConfig: () => ({}), fromConfig: () => new Bad() })).toThrow(ModelFormatError);
  });

  it('a throwing fromConfig becomes a ModelFormatError naming the layer', () => {
    const json = modelToJson(new Model().add(new Scale(3))).replace('"n": 3', '"n": -1');
    expect(() => modelFromJson(json)).toThrow(ModelFormatError);
    expect(() => modelFromJson(json)).toThrow(/layers\[0\] \(Scale\): fromConfig threw/);
  });
});

describe('malformed model JSON', () => {
  const base = () => JSON.parse(modelToJson(classifier()));
  const edit = (f: (d: any) => unknown) => {
    const d = base();
    const r = f(d);
    return JSON.stringify(r === undefined ? d : r);
  };
  const cases: [string, string, RegExp][] = [
    ['not JSON', '{"format": ', /not valid JSON/],
    ['an array', '[1, 2]', /must be a JSON object, got \[1,2\]/],
    ['wrong format', edit((d) => void (d.format = 'keras')), /format must be 'tensorgrad\.model', got "keras"/],
    ['newer version', edit((d) => void (d.version = 2)), /version 2 is not a version/],
    ['unknown layer type', edit((d) => void (d.layers[1].type = 'Conv3d')), /layers\[1\]\.type "Conv3d" is not a known layer type/],
    ['layers not an array', edit((d) => void (d.layers = {})), /layers must be an array/],
    ['a layer not an object', edit((d) => void (d.layers[3] = 7)), /layers\[3\] must be an object/],
    ['negative size', edit((d) => void (d.layers[3].nOut = -3)), /layers\[3\]\.nOut must be an integer in \[1, \d+\], got -3/],
    ['fractional size', edit((d) => void (d.layers[0].nIn = 2.5)), /layers\[0\]\.nIn .*got 2\.5/],
    ['size as a string', edit((d) => void (d.layers[0].nIn = '2')), /layers\[0\]\.nIn .*got "2"/],
    ['huge layer', edit((d) => void Object.assign(d.layers[0], { nIn: 2 ** 20, nOut: 2 ** 20 })), /layers\[0\] \(Dense 1048576 x 1048576.*over the limit/],
    ['too many parameters in total', edit((d) => void (d.layers = Array.from({ length: 3 }, () => ({ type: 'Dense', nIn: 4096, nOut: 8192 })))), /layers\[1\] .*brings the model to \d+ parameters, over the limit of 67108864/],
    ['infinite rate', JSON.stringify(base()).replace('"rate":0.1', '"rate":1e400'), /layers\[2\]\.rate must be a finite number in \[0, 1\), got Infinity/],
    ['NaN rate (as a string)', edit((d) => void (d.layers[2].rate = 'NaN')), /layers\[2\]\.rate .*got "NaN"/],
    ['rate 1', edit((d) => void (d.layers[2].rate = 1)), /layers\[2\]\.rate .*got 1$/],
    ['negative regularizer', edit((d) => void (d.layers[0].weightRegularizerL2 = -1)), /layers\[0\]\.weightRegularizerL2 .*got -1/],
    ['bad dtype', edit((d) => void (d.layers[0].dtype = 'int32')), /layers\[0\]\.dtype must be one of 'float32', 'float64', got "int32"/],
    ['unknown layer key', edit((d) => void (d.layers[1].foo = 1)), /layers\[1\] has unknown key "foo"/],
    ['__proto__ key', JSON.stringify(base()).replace('{"type":"ReLU"', '{"type":"ReLU","__proto__":{"x":1}'), /layers\[1\] has unknown key "__proto__"/],
    ['unknown top-level key', edit((d) => void (d.optimizer = 'adam')), /the top level has unknown key "optimizer"/],
    ['unknown loss', edit((d) => void (d.loss.type = 'Hinge')), /loss\.type must be one of .*got "Hinge"/],
    ['bad reduction', edit((d) => void (d.loss.reduction = 'avg')), /loss\.reduction must be one of 'mean', 'sum', 'none', got "avg"/],
    ['clip on a loss without one', edit((d) => void (d.loss.clip = 0)), /loss has unknown key "clip"/],
    ['bad accuracy', edit((d) => void (d.accuracy = 'top5')), /accuracy must be one of 'categorical', 'regression', got "top5"/],
    ['custom layer without config', edit((d) => void (d.layers[1] = { type: 'Scale' })), /layers\[1\]\.config must be an object/],
    ['deep nesting', '['.repeat(100000), /nested more than 64 levels deep/],
    ['deep object nesting', '{"a":'.repeat(100000), /nested more than 64 levels deep/],
    ['too long', ' '.repeat(MODEL_LIMITS.jsonChars + 1), /over the limit of 10000000/],
  ];
  for (const [name, json, message] of cases) {
    it(name, () => {
      expect(() => modelFromJson(json)).toThrow(ModelFormatError);
      expect(() => modelFromJson(json)).toThrow(message);
    });
  }

  it('a non-string is refused', () => {
    expect(() => modelFromJson(new Uint8Array(3) as unknown as string)).toThrow(/expected a string, got object/);
  });
});

describe('weights that do not fit', () => {
  const model = classifier();
  const json = modelToJson(model);
  const sd = () => model.stateDict();

  it('a missing name, an extra name, a wrong shape, a wrong dtype, a bad file', () => {
    const missing = sd();
    delete missing['layers.3.biases'];
    expect(() => modelFromArtifacts(json, encodeSafetensors(missing))).toThrow(StateDictError);
    expect(() => modelFromArtifacts(json, encodeSafetensors(missing))).toThrow(/missing \[layers\.3\.biases\]/);
    const extra = { ...sd(), 'layers.9.weights': tensor([1]) };
    expect(() => modelFromArtifacts(json, encodeSafetensors(extra))).toThrow(/unexpected \[layers\.9\.weights\]/);
    const shape = { ...sd(), 'layers.0.weights': full([3, 16], 0) };
    expect(() => modelFromArtifacts(json, encodeSafetensors(shape))).toThrow(ShapeError);
    expect(() => modelFromArtifacts(json, encodeSafetensors(shape))).toThrow(/'layers\.0\.weights' has shape \[3, 16\]/);
    const dtype = { ...sd(), 'layers.0.biases': full([1, 16], 0, { dtype: 'float64' }) };
    expect(() => modelFromArtifacts(json, encodeSafetensors(dtype))).toThrow(DTypeError);
    expect(() => modelFromArtifacts(json, new Uint8Array([1, 2, 3]))).toThrow(SafetensorsError);
  });

  it('a huge architecture with a tiny file fails before building the layers', () => {
    const big = JSON.stringify({ ...JSON.parse(json), layers: [{ type: 'Dense', nIn: 4096, nOut: 8192 }], loss: null });
    expect(() => modelFromArtifacts(big, encodeSafetensors(sd()))).toThrow(/the weights hold \d+ values, but the model's layers need 33562624/);
  });
});

describe('fuzzing modelFromArtifacts', () => {
  const model = new Model();
  model.add(new Dense(2, 4)).add(new ReLU()).add(new Dropout(0.25));
  model.add(new Sequential([new Dense(4, 3), new LeakyReLU(0.1)])).add(new Scale(3)).add(new Softmax());
  model.set({ loss: new SoftmaxCrossEntropy(), accuracy: 'categorical' });
  scramble(model, 4);
  const { json, weights } = modelToArtifacts(model);
  const doc = JSON.parse(json);

  /** Every place in the doc: a path of keys from the root. */
  const paths: (string | number)[][] = [];
  const collect = (v: unknown, p: (string | number)[]) => {
    paths.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => collect(x, [...p, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, [...p, k]);
  };
  collect(doc, []);

  const edgeValue = fc.oneof(
    fc.constantFrom(-1, 0, 1, 2, 3, 4, 0.5, -0, 1e9, 2 ** 31, 2 ** 53 + 2, 1e308, '', 'x', 'Dense', 'ReLU', 'float64', 'mean', null, true, [], {}, 'RAW_1e400', 'RAW_-1e400'),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const raw = (text: string) => text.replace(/"RAW_(-?1e400)"/g, '$1');
  /** Mostly null, sometimes a value from arb. */
  const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

  it('random JSON values and strings: a named error, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'), fc.string({ maxLength: 40 })), (text) => {
        expect(attempt(() => modelFromArtifacts(text, weights))).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('mutated model JSON: loads a working model or throws a named error', () => {
    const outcomes = [0, 0]; // loaded, refused: the runs must reach both
    const mutation = fc.record({
      at: fc.nat(paths.length - 1),
      action: fc.constantFrom('replace', 'delete', 'addKey'),
      value: edgeValue,
      cut: rarely(fc.nat(json.length)),
      nest: rarely(fc.integer({ min: 1, max: 2000 })),
    });
    fc.assert(
      fc.property(mutation, ({ at, action, value, cut, nest }) => {
        const d = JSON.parse(json);
        const p = paths[at];
        if (p.length === 0) return;
        const parent = p.slice(0, -1).reduce((o: any, k) => o[k], d);
        const key = p[p.length - 1];
        if (action === 'replace') parent[key] = value;
        else if (action === 'delete') Array.isArray(parent) ? parent.splice(key as number, 1) : delete parent[key];
        else if (!Array.isArray(parent)) parent.extra = value;
        let text = raw(JSON.stringify(d));
        if (cut !== null) text = text.slice(0, cut);
        if (nest !== null) text = '['.repeat(nest) + text + ']'.repeat(nest);
        const loaded = attempt(() => modelFromArtifacts(text, weights));
        outcomes[loaded === null ? 1 : 0]++;
        if (loaded !== null) {
          expectSameParameters(model, loaded);
          expect(modelFromJson(modelToJson(loaded))).toBeInstanceOf(Model);
          // a legal but odd architecture (Softmax over axis 2) may refuse this input, with a named error
          try {
            expect(loaded.predict(tensor([[0.5, -0.5]])).shape[0]).toBe(1);
          } catch (err) {
            expect(err).toBeInstanceOf(TensorgradError);
          }
        }
      }),
      { numRuns: 200 },
    );
    expect(Math.min(...outcomes), `loaded/refused: ${outcomes}`).toBeGreaterThan(10);
  });

  it('mutated weight bytes: loads exactly the file or throws a named error', () => {
    const outcomes = [0, 0];
    const mutation = fc.record({
      flips: fc.array(fc.record({ pos: fc.nat(weights.length - 1), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
      cut: rarely(fc.nat(weights.length)),
    });
    fc.assert(
      fc.property(mutation, ({ flips, cut }) => {
        const bytes = weights.slice(0, cut ?? weights.length);
        for (const { pos, byte } of flips) if (pos < bytes.length) bytes[pos] = byte;
        const loaded = attempt(() => modelFromArtifacts(json, bytes));
        outcomes[loaded === null ? 1 : 0]++;
        if (loaded !== null) {
          const file = decodeSafetensors(bytes).tensors;
          for (const [name, p] of loaded.namedParameters()) expect(p.data).toEqual(file[name].data);
        }
      }),
      { numRuns: 200 },
    );
    expect(Math.min(...outcomes), `loaded/refused: ${outcomes}`).toBeGreaterThan(10);
  });
});

describe('saveModel / loadModel', () => {
  it('writes model.json and model.safetensors into a new directory and loads them back', () => {
    const root = mkdtempSync(join(tmpdir(), 'tensorgrad-serialize-'));
    try {
      const dir = join(root, 'a', 'b');
      const model = regressor();
      saveModel(model, dir);
      expect(readdirSync(dir).sort()).toEqual(['model.json', 'model.safetensors']);
      const loaded = loadModel(dir);
      const X = tensor([[0.3], [-1.2], [2]]);
      expect(Array.from(loaded.predict(X).data)).toEqual(Array.from(model.predict(X).data));
      expect(loaded.settings().accuracy).toBe('regression');

      writeFileSync(join(dir, 'model.json'), '{"format": "tensorgrad.model", "version": 1, "layers": [{"type": "Dense"}]}');
      expect(() => loadModel(dir)).toThrow(/layers\[0\]\.nIn/);
      // an unsaveable model writes nothing
      const empty = join(root, 'c');
      expect(() => saveModel(new Model().add(new Doubler()), empty)).toThrow(ModelFormatError);
      expect(existsSync(empty)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
