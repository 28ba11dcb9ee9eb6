// The bool and uint8 dtypes: promotion (every pair, as the README's table), storage, printing, conversions,
// the ops that take or give them, and their errors.
import { describe, it, expect } from 'vitest';
import * as tg from '@tensorgrad/core';
import { tensor, zeros, full, DTypeError, ValueError, type DType, type Tensor } from '@tensorgrad/core';

const DTYPES: DType[] = ['bool', 'uint8', 'int32', 'float32', 'float64'];
const one = (dtype: DType) => full([2], 1, { dtype });

function expectError(fn: () => unknown, cls: typeof DTypeError, pattern: RegExp): void {
  expect(fn).toThrow(cls);
  expect(fn).toThrow(pattern);
}

describe('promotion of two tensors', () => {
  // The README's table, row by row: bool < uint8 < int32 < float32 < float64.
  const table: Record<DType, DType[]> = {
    bool: ['bool', 'uint8', 'int32', 'float32', 'float64'],
    uint8: ['uint8', 'uint8', 'int32', 'float32', 'float64'],
    int32: ['int32', 'int32', 'int32', 'float32', 'float64'],
    float32: ['float32', 'float32', 'float32', 'float32', 'float64'],
    float64: ['float64', 'float64', 'float64', 'float64', 'float64'],
  };
  it('add, mul and maximum give the table\'s dtype for every pair; comparisons give bool', () => {
    for (const a of DTYPES) {
      DTYPES.forEach((b, j) => {
        const want = table[a][j];
        const pair = `${a} with ${b}`;
        expect(one(a).add(one(b)).dtype, pair).toBe(want);
        expect(one(a).mul(one(b)).dtype, pair).toBe(want);
        expect(tg.maximum(one(a), one(b)).dtype, pair).toBe(want);
        expect(one(a).eq(one(b)).dtype, pair).toBe('bool');
        expect(Array.from(one(a).add(one(b)).data), pair).toEqual(want === 'bool' ? [1, 1] : [2, 2]);
      });
    }
  });

  it('a number takes the tensor\'s dtype, except fractions (default float) and whole numbers with bool or beyond uint8 (int32)', () => {
    const b = tensor([true, false]);
    const u = tensor(new Uint8Array([250, 3]));
    expect([b.add(1).dtype, b.mul(0.5).dtype, u.add(10).dtype, u.add(1.5).dtype, u.add(300).dtype, u.add(-1).dtype])
      .toEqual(['int32', 'float32', 'uint8', 'float32', 'int32', 'int32']);
    expect(Array.from(u.add(10).data)).toEqual([4, 13]); // wraps modulo 256
    expect(Array.from(u.add(300).data)).toEqual([550, 303]);
    expect(u.lt(300).toArray()).toEqual([true, true]); // compared with 300, not a wrapped 44
    expect(u.gt(-1).toArray()).toEqual([true, true]);
  });
});

describe('bool', () => {
  it('is inferred from booleans, stored as bytes, printed as numpy and read back as booleans', () => {
    const b = tensor([[true, false], [false, true]]);
    expect(b.dtype).toBe('bool');
    expect(b.data).toBeInstanceOf(Uint8Array);
    expect(b.toArray()).toEqual([[true, false], [false, true]]);
    expect(b.toString()).toBe('[[ True False]\n [False  True]]');
    expect(tensor(false).toString()).toBe('False');
    expect(tensor([1, 0, 2], { dtype: 'bool' }).toArray()).toEqual([true, false, true]);
    expect(tensor([true, 2]).dtype).toBe('float32'); // mixed: numbers win
    expect(new tg.Tensor(new Uint8Array([1, 0]), [2], 'bool').toArray()).toEqual([true, false]);
  });

  it('astype: nonzero values (NaN too) are true; back to numbers as 0 and 1', () => {
    expect(tensor([0.5, 0, NaN, -2]).astype('bool').toArray()).toEqual([true, false, true, true]);
    expect(tensor([0, 3], { dtype: 'int32' }).bool().toArray()).toEqual([false, true]);
    expect(Array.from(tensor([true, false]).astype('float64').data)).toEqual([1, 0]);
    expect(full([2], true, { dtype: 'bool' }).toArray()).toEqual([true, true]);
    expect(full([2], 5, { dtype: 'bool' }).toArray()).toEqual([true, true]);
  });

  it('comparisons, predicates, any and all give it; sum counts as int32; mean is a float', () => {
    const x = tensor([1, NaN, Infinity, -3]);
    for (const m of [x.gt(0), x.isnan(), x.isinf(), x.isfinite(), x.isclose(x), x.any(), x.all(0)]) expect(m.dtype).toBe('bool');
    expect(x.isfinite().toArray()).toEqual([true, false, false, true]);
    const s = x.isfinite().sum();
    expect([s.dtype, s.item()]).toEqual(['int32', 2]);
    expect(x.isfinite().mean().item()).toBe(0.5);
    expect(tensor([[true, false], [true, true]]).all(1).toArray()).toEqual([false, true]);
    expect(tensor([[true, false], [true, true]]).max(1).dtype).toBe('bool');
  });

  it('add is or, mul is and, the logical ops take any dtype (nonzero is true)', () => {
    const a = tensor([true, true, false, false]);
    const b = tensor([true, false, true, false]);
    expect(a.add(b).toArray()).toEqual([true, true, true, false]);
    expect(a.mul(b).toArray()).toEqual([true, false, false, false]);
    expect(a.logicalXor(b).toArray()).toEqual([false, true, true, false]);
    expect(a.logicalNot().toArray()).toEqual([false, false, true, true]);
    expect(tg.logicalAnd(tensor([2, 0, NaN]), 1).toArray()).toEqual([true, false, true]);
    expect(tg.logicalOr(tensor([0, 0], { dtype: 'int32' }), tensor([0, 1], { dtype: 'uint8' })).toArray()).toEqual([false, true]);
  });

  it('where, maskedFill, maskedSelect, nonzero, tril and attention masks take it', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const m = tensor([[true, false], [false, true]]);
    expect(tg.where(m, x, 0).toArray()).toEqual([[1, 0], [0, 4]]);
    expect(x.maskedFill(m, -1).toArray()).toEqual([[-1, 2], [3, -1]]);
    expect(x.maskedSelect(m).toArray()).toEqual([1, 4]);
    expect(m.nonzero().toArray()).toEqual([[0, 0], [1, 1]]);
    const t = tg.tril(tg.ones([2, 2], { dtype: 'bool' }));
    expect([t.dtype, t.toArray()]).toEqual(['bool', [[true, false], [true, true]]]);
    // a bool mask and the same mask as int32 give the same attention
    const q = tensor([[1, 0], [0, 1]], { dtype: 'float64' });
    const v = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    const mask = tensor([[true, false], [true, true]]);
    const withBool = tg.scaledDotProductAttention(q, q, v, { mask });
    expect(withBool.toArray()).toEqual(tg.scaledDotProductAttention(q, q, v, { mask: mask.astype('int32') }).toArray());
    expect(withBool.toArray()).toEqual(tg.scaledDotProductAttention(q, q, v, { isCausal: true }).toArray());
    expect((withBool.toArray() as number[][])[0]).toEqual([1, 2]);
  });

  it('refuses gradients, sub, neg, matmul and random draws with named errors', () => {
    const b = tensor([true, false]);
    expectError(() => b.requiresGrad_(), DTypeError, /only float tensors can require grad; this tensor is bool/);
    expectError(() => tensor([true], { requiresGrad: true }), DTypeError, /only float tensors can require grad/);
    expectError(() => b.sub(b), DTypeError, /^sub: not defined for two bool tensors/);
    expectError(() => b.neg(), DTypeError, /^neg: not defined for a bool tensor.*logicalNot/);
    expectError(() => b.matmul(b), DTypeError, /^matmul: not defined for bool tensors/);
    expectError(() => tg.rand([2], { dtype: 'bool' }), DTypeError, /^rand: draws are numbers, not bool/);
    expectError(() => tg.arange(3, undefined, 1, { dtype: 'bool' }), DTypeError, /^arange: a range of bools is not defined/);
    expect(b.sub(1).dtype).toBe('int32'); // with a number it is arithmetic on int32
  });
});

describe('uint8', () => {
  it('comes from a Uint8Array, wraps modulo 256 in arithmetic, and prints as ints', () => {
    const u = tensor(new Uint8Array([250, 3, 0]));
    expect(u.dtype).toBe('uint8');
    expect(Array.from(u.add(tensor(new Uint8Array([10, 10, 10]))).data)).toEqual([4, 13, 10]);
    expect(Array.from(u.neg().data)).toEqual([6, 253, 0]);
    expect(Array.from(u.sub(4).data)).toEqual([246, 255, 252]);
    expect(Array.from(u.mul(2).data)).toEqual([244, 6, 0]);
    expect(u.toString()).toBe('[250   3   0]');
    expect(u.toArray()).toEqual([250, 3, 0]);
  });

  it('sums, products and cumsums are int32; mean and exp are floats; max stays uint8', () => {
    const u = tensor(new Uint8Array([200, 100]));
    expect([u.sum().dtype, u.sum().item()]).toEqual(['int32', 300]);
    expect([u.prod().dtype, u.prod().item()]).toEqual(['int32', 20000]);
    expect(Array.from(u.cumsum().data)).toEqual([200, 300]);
    expect([u.mean().dtype, u.mean().item()]).toEqual(['float32', 150]);
    expect(u.exp().dtype).toBe('float32');
    expect([u.max().dtype, u.max().item()]).toEqual(['uint8', 200]);
    expect(u.astype('float32').div(255).dtype).toBe('float32');
  });

  it('explicit conversions refuse what it cannot hold; matmul and reshapes keep it', () => {
    expectError(() => tensor([256], { dtype: 'uint8' }), ValueError, /^tensor: 256 does not fit in uint8, which holds integers from 0 to 255/);
    expectError(() => tensor([-1, 3]).astype('uint8'), ValueError, /^astype: -1 \(at position 0\) does not fit in uint8/);
    expectError(() => full([2], 300, { dtype: 'uint8' }), ValueError, /^full: 300 does not fit in uint8/);
    expect(Array.from(tensor([1.9, 255]).byte().data)).toEqual([1, 255]);
    const u = tensor(new Uint8Array([1, 2, 3, 4]), { shape: [2, 2] });
    expect(u.matmul(u).dtype).toBe('uint8');
    expect(u.matmul(u).toArray()).toEqual([[7, 10], [15, 22]]);
    expect(u.T.reshape(4).toArray()).toEqual([1, 3, 2, 4]);
    expect(tg.concat([u, zeros([1, 2], { dtype: 'uint8' })]).dtype).toBe('uint8');
  });
});

describe('round(x, decimals)', () => {
  // values from torch.round(x, decimals=n) in float64 (halves to even after scaling, as PyTorch)
  const r = (x: Tensor, n: number) => Array.from(tg.round(x, n).data);
  it('rounds to decimal places as PyTorch, in x\'s dtype', () => {
    const x = tensor([1.2345, -2.675, 0.125, 0.135, 1250, 1350], { dtype: 'float64' });
    expect(r(x, 2)).toEqual([1.23, -2.68, 0.12, 0.14, 1250, 1350]);
    expect(r(x, -2)).toEqual([0, -0, 0, 0, 1200, 1400]);
    expect(r(tensor([0.5, 1.5, 2.5]), 0)).toEqual([0, 2, 2]);
    expect(tg.round(tensor([1.25], { dtype: 'float32' }), 1).dtype).toBe('float32');
    expect(tensor([1.25]).round(1).item()).toBe(Math.fround(1.2));
    expect(Array.from(tg.round(tensor([1234, 1250, -1350], { dtype: 'int32' }), -2).data)).toEqual([1200, 1200, -1400]);
    expectError(() => tg.round(tensor([1]), 0.5), ValueError, /^round: decimals must be an integer, got 0.5/);
  });
});

describe('topk sorted: false', () => {
  it('gives the same k elements as sorted, in the order they stand in x, along any axis', () => {
    const x = tensor([[5, 1, 9, 3, 7], [2, 8, 0, 6, 4]], { dtype: 'float64' });
    const [v, at] = tg.topk(x, 3, -1, { sorted: false });
    expect(at.toArray()).toEqual([[0, 2, 4], [1, 3, 4]]);
    expect(v.toArray()).toEqual([[5, 9, 7], [8, 6, 4]]);
    expect(tg.topk(x, 3, -1, { sorted: true })[1].toArray()).toEqual([[2, 4, 0], [1, 3, 4]]);
    expect(tg.topk(x, 1, 0, false, false)[1].toArray()).toEqual([[1, 0, 1, 0, 1]]); // PyTorch's call form, smallest
    const [, atSmall] = x.T.topk(1, 0, { largest: false, sorted: false });
    expect(atSmall.toArray()).toEqual([[1, 2]]);
  });

  it('passes the gradient to the chosen elements', () => {
    const x = tensor([3, 1, 2], { dtype: 'float64', requiresGrad: true });
    tg.topk(x, 2, 0, { sorted: false })[0].mul(tensor([10, 20], { dtype: 'float64' })).sum().backward();
    expect(x.grad!.toArray()).toEqual([10, 0, 20]);
  });
});
