// Issue 15: bad input, odd sizes and faults that once got through. Each test failed before its fix.
import { describe, it, expect } from 'vitest';
import * as tg from '@tensorgrad/core';
import {
  Tensor, tensor, zeros, oneHot, manualSeed, TensorgradError, ShapeError, DTypeError, ValueError, IndexError,
} from '@tensorgrad/core';
import { Dense, ReLU, Model, SoftmaxCrossEntropy, Softmax, spiralData, verticalData, sineData, batches } from '@tensorgrad/nn';
import { SGD } from '@tensorgrad/optim';

type ErrorClass = typeof ShapeError;

/** fn throws `cls` (a TensorgradError) with a message matching `pattern`. */
function expectError(fn: () => unknown, cls: ErrorClass, pattern: RegExp): void {
  let e: unknown;
  try {
    fn();
  } catch (caught) {
    e = caught;
  }
  expect(e, `expected ${cls.name} matching ${pattern}`).toBeInstanceOf(cls);
  expect(e).toBeInstanceOf(TensorgradError);
  expect((e as Error).message).toMatch(pattern);
}

describe('the public Tensor constructor checks shape, size and dtype against the data', () => {
  it('negative, fractional, NaN, infinite or unsafe dimensions are ShapeErrors', () => {
    // [-1, -2] has the right product (2) for 2 values: it used to be accepted, and .T then never returned
    for (const shape of [[-1, -2], [0.5, 4], [NaN], [Infinity, 0], [2 ** 53, 0], ['2' as unknown as number]]) {
      expectError(() => new Tensor(new Float32Array(2), shape, 'float32'), ShapeError, /dimensions must be non-negative integers/);
    }
    expectError(() => new Tensor(new Float32Array(2), 2 as unknown as number[], 'float32'), ShapeError, /shape must be an array/);
    expectError(() => new Tensor(new Float32Array(3), [2, 2], 'float32'), ShapeError, /3 values cannot have shape \[2, 2\]/);
  });

  it('a dtype that does not match the array, or no typed array, is a DTypeError', () => {
    expectError(() => new Tensor(new Float32Array(2), [2], 'int32'), DTypeError, /dtype 'int32' does not match the data \(float32\).*Int32Array for 'int32'/);
    expectError(() => new Tensor(new Float64Array(2), [2], 'float32'), DTypeError, /does not match the data \(float64\)/);
    expectError(() => new Tensor(new Int32Array(2), [2], 'uint8' as 'int32'), DTypeError, /dtype 'uint8'/);
    expectError(() => new Tensor(new Uint8Array(2) as unknown as Int32Array, [2], 'int32'), DTypeError, /\(Uint8Array\)/);
    expectError(() => new Tensor([1, 2] as unknown as Float32Array, [2], 'float32'), DTypeError, /\(Array\)/);
  });

  it('valid tensors still build, including empty and 0-d ones', () => {
    expect(new Tensor(new Float32Array(6), [2, 3], 'float32').T.shape).toEqual([3, 2]);
    expect(new Tensor(new Int32Array(0), [0, 5], 'int32').sum(0).shape).toEqual([5]);
    expect(new Tensor(Float64Array.of(7), [], 'float64').item()).toBe(7);
  });
});

describe('indices of 2^31 or more do not wrap', () => {
  it('take, pick and oneHot refuse them with an IndexError', () => {
    const x = tensor([10, 20, 30]);
    expectError(() => x.take([2 ** 32]), IndexError, /take: index 4294967296 at position 0 is out of range/);
    expectError(() => x.take([1, 2 ** 32 + 2]), IndexError, /index 4294967298 at position 1/);
    expectError(() => x.take([-(2 ** 32)]), IndexError, /out of range/);
    expectError(() => tensor([[1, 2], [3, 4]]).pick([0, 2 ** 32 + 1]), IndexError, /pick: index 4294967297 at position 1/);
    expectError(() => oneHot([2 ** 32], 3), IndexError, /oneHot: index 4294967296/);
    // in range: unchanged
    expect(Array.from(x.take([2, -1]).data)).toEqual([30, 30]);
  });
});

describe('slice specs that are not slice specs are ValueErrors', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  it.each([
    ['a number instead of an array', () => x.slice(1 as unknown as []), /expects an array of slice specs/],
    ['a string spec', () => x.slice(['a' as unknown as number]), /spec for axis 0 must be an index.*got string a/],
    ['a boolean spec', () => x.slice([null, true as unknown as number]), /spec for axis 1 .*got boolean true/],
    ['an object with unknown keys', () => x.slice([{ begin: 1 } as unknown as null]), /got an object with keys begin/],
    ['an array of four', () => x.slice([[0, 1, 1, 1] as unknown as [number]]), /got an array of 4/],
    ['a string bound', () => x.slice([['a' as unknown as number]]), /bounds must be integers/],
  ])('%s', (_name, fn, pattern) => expectError(fn, ValueError, pattern));

  it('the documented forms still work', () => {
    expect(x.slice([1]).toArray()).toEqual([4, 5, 6]);
    expect(x.slice([null, [1]]).toArray()).toEqual([[2, 3], [5, 6]]);
    expect(x.slice([{ start: 1 }, { step: 2 }]).toArray()).toEqual([[4, 6]]);
    expect(x.slice([undefined as unknown as null, [, , -1]]).toArray()).toEqual([[3, 2, 1], [6, 5, 4]]);
  });
});

describe('every batch size is checked', () => {
  function model(): Model {
    manualSeed(1);
    const m = new Model();
    m.add(new Dense(2, 4)).add(new ReLU()).add(new Dense(4, 3)).add(new Softmax());
    m.set({ loss: new SoftmaxCrossEntropy(), optimizer: new SGD(m.parameters(), { lr: 0.1 }) });
    return m;
  }
  const { X, y } = spiralData(10, 3);

  it.each([-1, 0.5, NaN, Infinity, -0.5])('batchSize %s is a ValueError in predict, evaluate, train and batches', (bad) => {
    const m = model();
    const before = m.parameters().map((p) => Array.from(p.data));
    // predict with -1 used to loop forever (start += -1), and NaN silently meant one batch
    expectError(() => m.predict(X, { batchSize: bad }), ValueError, new RegExp(`Model.predict: batchSize must be a positive integer.*got ${bad}`));
    expectError(() => m.evaluate(X, y, { batchSize: bad }), ValueError, /Model.evaluate: batchSize must be a positive integer/);
    expectError(() => m.train(X, y, { batchSize: bad, progress: 'none' }), ValueError, /Model.train: batchSize must be a positive integer/);
    expectError(() => [...batches(X, y, { batchSize: bad })], ValueError, /batches: batchSize must be a positive integer/);
    expect(m.parameters().map((p) => Array.from(p.data))).toEqual(before);
  });

  it('0 or undefined still mean one batch; batches of 0 rows yields none; train and evaluate refuse 0 rows', () => {
    const m = model();
    expect(m.predict(X, { batchSize: 0 }).toArray()).toEqual(m.predict(X, { batchSize: 7 }).toArray());
    expect([...batches(X, y, { batchSize: 0 })].length).toBe(1);
    const X0 = zeros([0, 2]), y0 = tensor([], { dtype: 'int32' });
    expect([...batches(X0, y0)]).toEqual([]); // was "batchSize must be a positive integer, got undefined"
    expect([...batches(X0, y0, { batchSize: 4 })]).toEqual([]);
    expect(m.predict(X0).shape).toEqual([0, 3]);
    expectError(() => m.train(X0, y0, { progress: 'none' }), ValueError, /Model.train: X has no rows/);
    expectError(() => m.evaluate(X0, y0), ValueError, /Model.evaluate: X has no rows/);
  });
});

describe('data sets too big for a tensor are refused before anything is allocated', () => {
  it('spiralData, verticalData and sineData throw a ValueError naming the counts', () => {
    expectError(() => spiralData(1e9, 3), ValueError, /^spiralData: 1000000000 samples x 3 classes make 6000000000 values of X, more than a tensor can hold \(2147483647\)/);
    expectError(() => verticalData(2 ** 30, 1), ValueError, /^verticalData: .*more than a tensor can hold/);
    expectError(() => sineData(2 ** 31), ValueError, /^sineData: 2147483648 samples/);
  });
});

describe('int32 never wraps silently', () => {
  const i32 = (data: number[]) => tensor(data, { dtype: 'int32' });

  it('tensor(), full() and astype refuse values int32 cannot hold, NaN and Infinity; fractions truncate', () => {
    expectError(() => i32([3e9]), ValueError, /^tensor: 3000000000 does not fit in int32, which holds integers from -2147483648 to 2147483647/);
    expectError(() => i32([1, NaN]), ValueError, /^tensor: NaN \(at position 1\) does not fit in int32/);
    expectError(() => tensor([[1], [-Infinity]], { dtype: 'int32' }), ValueError, /-Infinity \(at position 1\)/);
    expectError(() => tensor(Float64Array.of(2 ** 31), { dtype: 'int32' }), ValueError, /^tensor: 2147483648 does not fit/);
    expectError(() => tg.full([2], 2 ** 31, { dtype: 'int32' }), ValueError, /^full: 2147483648 does not fit/);
    expectError(() => tensor([1.5, -3e9]).astype('int32'), ValueError, /^astype: -3000000000 \(at position 1\)/);
    expect(Array.from(i32([2147483647, -2147483648, 2.9, -2.9]).data)).toEqual([2147483647, -2147483648, 2, -2]);
    expect(Array.from(tensor([2147483647.5, -2147483648.5], { dtype: 'float64' }).astype('int32').data)).toEqual([2147483647, -2147483648]);
  });

  it('an int32 sum sums exactly and refuses a result int32 cannot hold (numpy/PyTorch give 3221225472 in int64)', () => {
    const big = i32([2 ** 30, 2 ** 30, 2 ** 30]);
    expectError(() => big.sum(), ValueError, /^sum: 3221225472 does not fit in int32.*x\.astype\('float64'\)\.sum\(\)/);
    expect(big.astype('float64').sum().item()).toBe(3221225472);
    // partial sums beyond int32 that end inside it are exact (the sum runs in float64)
    const back = i32([2 ** 30, 2 ** 30, -(2 ** 30), 5]);
    expect(back.sum().item()).toBe(2 ** 30 + 5);
    expect(back.sum().dtype).toBe('int32');
    // over two axes at once, one pass per axis: the intermediate sums are float64 too
    const m = tensor([[2 ** 30, 2 ** 30], [-(2 ** 30), -(2 ** 30)]], { dtype: 'int32' });
    expect(m.sum([0, 1]).item()).toBe(0);
    expectError(() => m.sum(1), ValueError, /^sum: 2147483648 \(at position 0\)/);
  });

  it('clip of int32 with non-integer bounds is a float clip (as PyTorch); integer bounds keep int32', () => {
    const x = i32([-3, 0, 1, 2, 3]);
    const frac = x.clip(0.5, 2.5); // gave 0 below the minimum 0.5
    expect(frac.dtype).toBe('float32');
    expect(Array.from(frac.data)).toEqual([0.5, 0.5, 1, 2, 2.5]);
    const ints = x.clip(0, 2);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.data)).toEqual([0, 0, 1, 2, 2]);
    expect(x.clip(0, Infinity).dtype).toBe('float32');
  });

  it('leakyRelu refuses int32 (as PyTorch): -3 * 0.01 would truncate to 0', () => {
    expectError(() => i32([-3, 2]).leakyRelu(), DTypeError, /^leakyRelu: needs a float tensor, got int32/);
    expect(Array.from(tensor([-3, 2], { dtype: 'float64' }).leakyRelu().data)).toEqual([-0.03, 2]);
  });
});

describe('Dense checks its regularizers when it is made, not when the model is saved', () => {
  it.each([-0.1, NaN, Infinity, '0.1' as unknown as number])('weightRegularizerL2 %s is a ValueError', (bad) => {
    expectError(() => new Dense(2, 3, { weightRegularizerL2: bad }), ValueError, new RegExp(`^Dense: weightRegularizerL2 must be a finite number >= 0, got ${bad}`));
  });

  it('every one of the four is checked; 0 and positive values are accepted', () => {
    for (const key of ['weightRegularizerL1', 'weightRegularizerL2', 'biasRegularizerL1', 'biasRegularizerL2'] as const) {
      expectError(() => new Dense(2, 3, { [key]: -1 }), ValueError, new RegExp(`Dense: ${key} must be a finite number >= 0, got -1`));
      expect(new Dense(2, 3, { [key]: 5e-4 })[key]).toBe(5e-4);
    }
    expect(new Dense(2, 3, { biasRegularizerL1: 0 }).biasRegularizerL1).toBe(0);
  });
});
