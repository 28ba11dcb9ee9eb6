import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, Tensor, ValueError, arange, manualSeed, tensor } from '@tensorgrad/core';
import { DataLoader, TensorDataset, defaultCollate, type Dataset } from '@tensorgrad/nn';

// X row i is [i, 10 + i]; y[i] = i % 3
const X = tensor(Float32Array.from({ length: 20 }, (_, k) => (k % 2 === 0 ? k / 2 : 10 + (k - 1) / 2)), { shape: [10, 2] });
const y = tensor(Int32Array.from({ length: 10 }, (_, i) => i % 3));
const rowsOf = (t: Tensor) => Array.from(t.data).filter((_, k) => k % 2 === 0);

describe('TensorDataset', () => {
  it('gives sample i as the i-th row of each tensor', () => {
    const ds = new TensorDataset(X, y);
    expect(ds.length).toBe(10);
    const [x4, y4] = ds.get(4);
    expect(x4.shape).toEqual([2]);
    expect(Array.from(x4.data)).toEqual([4, 14]);
    expect(y4.shape).toEqual([]);
    expect(y4.item()).toBe(1);
  });

  it('refuses tensors of different lengths, scalars, no tensors and indices out of range', () => {
    expect(() => new TensorDataset(X, tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => new TensorDataset(X, tensor([1, 2, 3]))).toThrow(/same first dimension.*\[10, 2\], \[3\]/);
    expect(() => new TensorDataset(tensor(1))).toThrow(/scalar/);
    expect(() => new TensorDataset()).toThrow(ValueError);
    expect(() => new TensorDataset(X).get(10)).toThrow(/index 10 is out of range for 10 samples/);
  });
});

describe('DataLoader', () => {
  it('batches in order, the last batch smaller unless dropLast', () => {
    const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map(([xb, yb]) => [xb.shape, yb.shape])).toEqual([[[4, 2], [4]], [[4, 2], [4]], [[2, 2], [2]]]);
    expect(batches.flatMap(([xb]) => rowsOf(xb))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(batches[2][1].dtype).toBe('int32');
    const dropped = new DataLoader(new TensorDataset(X, y), { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].length).toBe(2);
    expect(new DataLoader(new TensorDataset(X)).length).toBe(10); // batchSize 1 by default
  });

  it("shuffles with numpy's permutation for the generator's seed, a new order each pass", () => {
    // np.random.seed(0); np.random.permutation(10) twice
    const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 3, shuffle: true, generator: new Generator(0) });
    const pass = () => [...loader].flatMap(([xb, yb]) => {
      expect(Array.from(yb.data)).toEqual(rowsOf(xb).map((i) => i % 3)); // rows and labels stay paired
      return rowsOf(xb);
    });
    expect(pass()).toEqual([2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
    expect(pass()).toEqual([3, 5, 1, 2, 9, 8, 0, 6, 7, 4]);
    // the global generator by default, seeded by manualSeed
    manualSeed(0);
    const first = [...new DataLoader(new TensorDataset(X), { batchSize: 10, shuffle: true })][0][0];
    expect(rowsOf(first)).toEqual([2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
  });

  it('collates any Dataset: tensors stacked, numbers to int32 or float32, arrays and objects walked', () => {
    const ds: Dataset<{ x: Tensor; label: number; w: number }> = {
      length: 5,
      get: (i) => ({ x: arange(3).add(i), label: i, w: i / 2 }),
    };
    const [b0, b1] = [...new DataLoader(ds, { batchSize: 3 })];
    expect(b0.x.shape).toEqual([3, 3]);
    expect(Array.from(b1.x.data)).toEqual([3, 4, 5, 4, 5, 6]);
    expect(b0.label.dtype).toBe('int32');
    expect(Array.from(b1.label.data)).toEqual([3, 4]);
    expect(b0.w.dtype).toBe('float32');
    expect(Array.from(b0.w.data)).toEqual([0, 0.5, 1]);
    // a TensorDataset through the generic path gives what its fast path gives
    const rows = Array.from({ length: 4 }, (_, i) => new TensorDataset(X, y).get(i));
    const [xs, ys] = defaultCollate(rows);
    expect(Array.from(xs.data)).toEqual(Array.from(X.data).slice(0, 8));
    expect(Array.from(ys.data)).toEqual([0, 1, 2, 0]);
  });

  it('uses a custom collate', () => {
    const loader = new DataLoader(new TensorDataset(y), { batchSize: 4, collate: (samples) => samples.length });
    expect([...loader]).toEqual([4, 4, 2]);
  });

  it('refuses bad options and data sets, naming them', () => {
    const ds = new TensorDataset(X);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => new DataLoader(ds, { batchSize: 2.5 })).toThrow(ValueError);
    expect(() => new DataLoader(ds, { shuffle: 1 as unknown as boolean })).toThrow(/shuffle must be true or false/);
    expect(() => new DataLoader(ds, { dropLast: 'yes' as unknown as boolean })).toThrow(/dropLast/);
    expect(() => new DataLoader(ds, { generator: 0 as unknown as Generator })).toThrow(/generator must be a Generator/);
    expect(() => new DataLoader(ds, { batch_size: 4 } as object)).toThrow(/unknown option 'batch_size'/);
    expect(() => new DataLoader([1, 2] as unknown as Dataset)).toThrow(/length and get/);
    expect(() => new DataLoader({ length: -1, get: () => [] })).toThrow(/length must be an integer >= 0, got -1/);
    const mixed: Dataset<unknown> = { length: 2, get: (i) => (i === 0 ? tensor([1]) : 'a') };
    expect(() => [...new DataLoader(mixed, { batchSize: 2 })]).toThrow(/sample is a Tensor in the batch's item 0 but "a" in item 1/);
  });
});
