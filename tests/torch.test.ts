// Dense parameters in PyTorch's layout: names and shapes as torch.nn.Sequential's state_dict, round trips, and a
// file in torch layout written by tests/fixtures/make_torch_mlp.py (numpy only) with its expected outputs.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor, ShapeError, DTypeError, manualSeed, noGrad, randn, tensor } from '@tensorgrad/core';
import {
  Module, Model, Sequential, Dense, Dropout, ReLU, Tanh, Softmax, StateDictError,
  Conv2d, BatchNorm2d, MaxPool2d, Flatten, LayerNorm, Linear,
} from '@tensorgrad/nn';
import {
  decodeSafetensors, toTorchStateDict, fromTorchStateDict, torchSafetensorsToBytes, torchSafetensorsFromBytes,
  saveTorchSafetensors, loadTorchSafetensors, TorchStateDictError,
} from '@tensorgrad/io';

const fixtureBytes = () => new Uint8Array(readFileSync(new URL('./fixtures/torch_mlp.safetensors', import.meta.url)));
const fixture = JSON.parse(readFileSync(new URL('./fixtures/torch_mlp.json', import.meta.url), 'utf8')) as {
  X: number[][];
  probs: number[][];
  state: Record<string, number[] | number[][]>;
};

/** The fixture's network: nn.Sequential(Linear(4, 16), ReLU, Dropout(0.2), Linear(16, 8), Tanh, Linear(8, 3), Softmax). */
const fixtureNet = () =>
  new Sequential([new Dense(4, 16), new ReLU(), new Dropout(0.2), new Dense(16, 8), new Tanh(), new Dense(8, 3), new Softmax()]);

function randomized<M extends Module>(m: M): M {
  for (const p of m.parameters()) p.data.set(randn(p.shape, { dtype: p.dtype }).data);
  return m;
}

const values = (m: Module) => m.namedParameters().map(([name, p]) => [name, p.dtype, Array.from(p.data)]);
const predict = (m: Module, x: Tensor) => noGrad(() => m.eval().forward(x));

describe("PyTorch's names and layout", () => {
  it("names count every layer (as torch's Sequential), weights are transposed to [out, in], biases are [out]", () => {
    manualSeed(0);
    const model = randomized(new Sequential([new Dense(3, 5), new ReLU(), new Dropout(0.1), new Dense(5, 2), new Softmax()]));
    const sd = toTorchStateDict(model);
    expect(Object.keys(sd).sort()).toEqual(['0.bias', '0.weight', '3.bias', '3.weight']);
    expect(sd['0.weight'].shape).toEqual([5, 3]);
    expect(sd['0.bias'].shape).toEqual([5]);
    expect(sd['3.weight'].shape).toEqual([2, 5]);
    const dense = model.layers[3] as Dense;
    expect(sd['3.weight'].toArray()).toEqual(dense.weights.T.toArray());
    expect(Array.from(sd['3.bias'].data)).toEqual(Array.from(dense.biases.data));
    // x @ weight.T + bias, torch's Linear, is the layer's output
    const x = randn([4, 3]);
    const torchStyle = x.matmul(sd['0.weight'].T).add(sd['0.bias']);
    expect(torchStyle.toArray()).toEqual(predict(model.layers[0], x).toArray());
    // copies: changing them leaves the model alone
    sd['0.weight'].data.fill(7);
    expect((model.layers[0] as Dense).weights.data.includes(7)).toBe(false);
    expect(sd['0.weight'].requiresGrad).toBe(false);
  });

  it('a Model numbers as a Sequential; a lone Dense is a Linear; nested Sequentials nest the names', () => {
    const model = new Model();
    model.add(new Dense(2, 3)).add(new Tanh()).add(new Dense(3, 1));
    expect(Object.keys(toTorchStateDict(model)).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    expect(Object.keys(toTorchStateDict(new Dense(2, 3))).sort()).toEqual(['bias', 'weight']);
    const nested = new Sequential([new Sequential([new Dense(2, 3), new ReLU()]), new Dense(3, 1)]);
    expect(Object.keys(toTorchStateDict(nested)).sort()).toEqual(['0.0.bias', '0.0.weight', '1.bias', '1.weight']);
  });

  it('round trips: state dict, bytes and file, float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      manualSeed(1);
      const a = randomized(new Sequential([new Dense(3, 6, { dtype }), new ReLU(), new Dense(6, 2, { dtype })]));
      const b = new Sequential([new Dense(3, 6, { dtype }), new ReLU(), new Dense(6, 2, { dtype })]);
      fromTorchStateDict(b, toTorchStateDict(a));
      expect(values(b)).toEqual(values(a));

      const c = new Sequential([new Dense(3, 6, { dtype }), new ReLU(), new Dense(6, 2, { dtype })]);
      torchSafetensorsFromBytes(c, torchSafetensorsToBytes(a));
      expect(values(c)).toEqual(values(a));
      const x = randn([5, 3], { dtype });
      expect(predict(c, x).toArray()).toEqual(predict(a, x).toArray());
    }
    const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-torch-'));
    try {
      manualSeed(2);
      const a = randomized(new Sequential([new Dense(2, 4), new Tanh(), new Dense(4, 3)]));
      const path = join(dir, 'net.safetensors');
      saveTorchSafetensors(a, path, { format: 'pt' });
      expect(readdirSync(dir)).toEqual(['net.safetensors']);
      const file = decodeSafetensors(new Uint8Array(readFileSync(path)));
      expect(file.metadata).toEqual({ format: 'pt' });
      expect(Object.keys(file.tensors).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
      const b = new Sequential([new Dense(2, 4), new Tanh(), new Dense(4, 3)]);
      loadTorchSafetensors(b, path);
      expect(values(b)).toEqual(values(a));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('float32 values load into float64 parameters (and back, rounded), as torch converts on load', () => {
    manualSeed(3);
    const a = randomized(new Sequential([new Dense(2, 3, { dtype: 'float64' })]));
    const b = new Sequential([new Dense(2, 3)]);
    fromTorchStateDict(b, toTorchStateDict(a));
    expect(Array.from(b.parameters()[0].data)).toEqual(Array.from(Float32Array.from(a.parameters()[0].data)));
    const c = new Sequential([new Dense(2, 3, { dtype: 'float64' })]);
    fromTorchStateDict(c, toTorchStateDict(b));
    expect(values(c).map(([, dtype]) => dtype)).toEqual(['float64', 'float64']);
    expect(Array.from(c.parameters()[0].data)).toEqual(Array.from(b.parameters()[0].data));
  });
});

describe('a file written in torch layout by Python (tests/fixtures/make_torch_mlp.py)', () => {
  it('loads, and the network predicts what numpy computed', () => {
    const net = fixtureNet();
    torchSafetensorsFromBytes(net, fixtureBytes());
    // the layout: weights are the transposes of torch's [out, in] matrices
    for (const [i, name] of [[0, '0'], [3, '3'], [5, '5']] as const) {
      const dense = net.layers[i] as Dense;
      expect(dense.weights.toArray()).toEqual(tensor(fixture.state[`${name}.weight`] as number[][]).T.toArray());
      expect(Array.from(dense.biases.data)).toEqual(fixture.state[`${name}.bias`]);
    }
    const probs = predict(net, tensor(fixture.X));
    expect(probs.shape).toEqual([fixture.probs.length, 3]);
    const got = probs.toArray() as number[][];
    for (let r = 0; r < got.length; r++) {
      for (let c = 0; c < 3; c++) expect(Math.abs(got[r][c] - fixture.probs[r][c])).toBeLessThan(1e-6);
    }
  });

  it('writing the loaded network gives back the same bytes as the Python writer', () => {
    const net = fixtureNet();
    torchSafetensorsFromBytes(net, fixtureBytes());
    expect(torchSafetensorsToBytes(net, { format: 'pt' })).toEqual(fixtureBytes());
  });
});

describe("a PyTorch state_dict of Conv2d, BatchNorm2d, LayerNorm and Linear (tests/fixtures/make_torch_mixed.py, torch)", () => {
  const bytes = () => new Uint8Array(readFileSync(new URL('./fixtures/torch_mixed.safetensors', import.meta.url)));
  const expected = JSON.parse(readFileSync(new URL('./fixtures/torch_mixed.json', import.meta.url), 'utf8')) as {
    X: number[][][][]; y: number[][]; numBatchesTracked: number;
  };
  /** nn.Sequential(Conv2d(1, 3, 3, padding=1), BatchNorm2d(3), ReLU(), MaxPool2d(2), Flatten(), LayerNorm(12), Linear(12, 4)) */
  const net = () => new Sequential([
    new Conv2d(1, 3, 3, { padding: 1 }), new BatchNorm2d(3), new ReLU(), new MaxPool2d(2), new Flatten(), new LayerNorm(12), new Linear(12, 4),
  ]);

  it('loads (weights, running statistics and the I64 counter) and predicts what PyTorch computed in eval mode', () => {
    const m = net();
    torchSafetensorsFromBytes(m, bytes());
    const bn = m.layers[1] as BatchNorm2d;
    expect(bn.numBatchesTracked!.item()).toBe(expected.numBatchesTracked);
    expect(bn.runningVar!.toArray()).not.toEqual([1, 1, 1]); // moved by PyTorch's training forwards
    const y = predict(m, tensor(expected.X, { dtype: 'float32' })).toArray() as number[][];
    expect(y.length).toBe(2);
    for (let r = 0; r < 2; r++) for (let c = 0; c < 4; c++) expect(Math.abs(y[r][c] - expected.y[r][c])).toBeLessThan(1e-5);
  });

  it('written back, every tensor has the bits it was read with, under the same names and shapes', () => {
    const m = net();
    torchSafetensorsFromBytes(m, bytes());
    const original = decodeSafetensors(bytes()).tensors;
    const again = decodeSafetensors(torchSafetensorsToBytes(m)).tensors;
    expect(Object.keys(again).sort()).toEqual(Object.keys(original).sort());
    for (const [name, t] of Object.entries(original)) {
      expect(again[name].shape, name).toEqual(t.shape);
      expect(Array.from(again[name].data), name).toEqual(Array.from(t.data));
    }
  });
});

describe('loading checks everything before it writes anything', () => {
  const make = () => randomized(new Sequential([new Dense(3, 4), new ReLU(), new Dense(4, 2)]));

  /** Expects `load` to throw `kind` matching `message`, with the model's parameters unchanged. */
  function rejects(sd: Record<string, Tensor>, kind: new (...args: never[]) => Error, message: RegExp) {
    manualSeed(4);
    const model = make();
    const before = values(model);
    expect(() => fromTorchStateDict(model, sd)).toThrow(kind);
    expect(() => fromTorchStateDict(model, sd)).toThrow(message);
    expect(values(model)).toEqual(before);
  }

  it('missing and unexpected names', () => {
    manualSeed(5);
    const good = toTorchStateDict(make());
    const { ['2.bias']: _dropped, ...missing } = good;
    rejects(missing, TorchStateDictError, /missing \[2\.bias\], unexpected \[\]/);
    rejects({ ...good, '2.running_mean': tensor([1, 2]) }, StateDictError, /unexpected \[2\.running_mean\]/);
    const { ['2.weight']: w, ...rest } = good;
    rejects({ ...rest, '1.weight': w }, TorchStateDictError, /missing \[2\.weight\], unexpected \[1\.weight\]/);
  });

  it("a wrong shape, named, with a hint when it is tensorgrad's layout; a later bad tensor stops the earlier good ones", () => {
    manualSeed(6);
    const good = toTorchStateDict(make());
    rejects({ ...good, '2.weight': good['2.weight'].T.clone() }, ShapeError, /'2\.weight' has shape \[4, 2\], PyTorch's layout for this layer is \[2, 4\] \(that is tensorgrad's \[in, out\] layout/);
    rejects({ ...good, '0.bias': good['0.bias'].reshape([1, 4]) }, ShapeError, /'0\.bias' has shape \[1, 4\].*\[4\]/);
    rejects({ ...good, '2.bias': tensor([1, 2], { dtype: 'int32' }) }, DTypeError, /'2\.bias' is int32/);
    rejects({ ...good, '2.bias': [1, 2] as unknown as Tensor }, TorchStateDictError, /'2\.bias' is not a Tensor/);
  });

  it('bad bytes leave the model alone; a layer with parameters that has no torch mapping is refused', () => {
    manualSeed(7);
    const model = make();
    const before = values(model);
    const bytes = fixtureBytes();
    expect(() => torchSafetensorsFromBytes(model, bytes)).toThrow(TorchStateDictError);
    expect(() => torchSafetensorsFromBytes(model, bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    expect(values(model)).toEqual(before);

    class Scale extends Module {
      readonly factor = tensor([2], { requiresGrad: true });
      forward(x: Tensor): Tensor {
        return x.mul(this.factor);
      }
    }
    const custom = new Sequential([new Dense(2, 2), new Scale()]);
    expect(() => toTorchStateDict(custom)).toThrow(/layer 1 \(Scale\) has parameters but no PyTorch mapping/);
    expect(() => fromTorchStateDict(custom, {})).toThrow(TorchStateDictError);
  });
});
