// Call forms (PyTorch's beside numpy's), the fixes of issue 11, and the error cases of the composed ops.
import { describe, it, expect } from 'vitest';
import * as tg from '@tensorgrad/core';
import {
  tensor, zeros, ones, arange, gradients, gradcheck, gradgradcheck, noGrad, Generator,
  DTypeError, GraphError, IndexError, ShapeError, ValueError, type Tensor,
} from '@tensorgrad/core';

const f64 = (data: any, requiresGrad = false) => tensor(data, { dtype: 'float64', requiresGrad });
const i32 = (data: any) => tensor(data, { dtype: 'int32' });
const values = (t: Tensor) => t.toArray();

describe('call forms', () => {
  const x = arange(24).reshape([2, 3, 4]);

  it("transpose takes numpy's permutation or PyTorch's two axes", () => {
    expect(x.transpose(0, 2).shape).toEqual([4, 3, 2]);
    expect(values(x.transpose(0, 2))).toEqual(values(x.swapaxes(0, 2)));
    expect(x.transpose([2, 0, 1]).shape).toEqual([4, 2, 3]);
    expect(tg.transpose(x, -1, 0).shape).toEqual([4, 3, 2]);
    expect(x.transpose().shape).toEqual([4, 3, 2]);
  });

  it('reshape and permute take the dimensions as numbers or as one array', () => {
    expect(x.reshape(6, 4).shape).toEqual([6, 4]);
    expect(x.reshape([6, -1]).shape).toEqual([6, 4]);
    expect(tg.reshape(x, 4, -1).shape).toEqual([4, 6]);
    expect(values(x.permute(2, 0, 1))).toEqual(values(x.permute([2, 0, 1])));
    expect(x.repeat(1, 2, 1).shape).toEqual([2, 6, 4]);
  });

  it('a form that fits neither is a ValueError listing the accepted forms', () => {
    expect(() => x.transpose(0 as any)).toThrow(ValueError);
    expect(() => x.transpose(0 as any)).toThrow(/transpose: expected transpose\(x\).*transpose\(x, \[1, 0, 2\]\).*transpose\(x, 0, 2\).*got \(0\)/);
    expect(() => x.transpose([0, 1, 2] as any, 1 as any)).toThrow(/got \(\[0, 1, 2\], 1\)/);
    expect(() => x.reshape([6, 4] as any, 1 as any)).toThrow(/reshape: expected the dimensions as one array \(reshape\(\[2, 3\]\)\) or as numbers \(reshape\(2, 3\)\), got \(\[6, 4\], 1\)/);
    expect(() => x.permute('a' as any)).toThrow(ValueError);
  });
});

describe('clip', () => {
  const v = f64([-2, 0, 0.5, 3]);
  it('a null or undefined bound is no bound', () => {
    expect(values(v.clip(0, null))).toEqual([0, 0, 0.5, 3]);
    expect(values(v.clip(null, 1))).toEqual([-2, 0, 0.5, 1]);
    expect(values(v.clip(undefined, 1))).toEqual([-2, 0, 0.5, 1]);
    expect(values(tg.clip(i32([-3, 7]), 0))).toEqual([0, 7]);
  });

  it('min > max gives max everywhere, and no gradient', () => {
    const t = f64([-2, 0, 0.5, 3], true);
    const y = t.clip(2, 1);
    expect(values(y)).toEqual([1, 1, 1, 1]);
    y.sum().backward();
    expect(values(t.grad!)).toEqual([0, 0, 0, 0]);
  });

  it('passes the gradient at its bounds (as PyTorch; the README says so)', () => {
    const t = f64([-1, 0, 1], true);
    t.clip(-1, 1).sum().backward();
    expect(values(t.grad!)).toEqual([1, 1, 1]);
  });
});

describe('gradients of results made under noGrad', () => {
  it('backward and gradients() throw a GraphError that says why', () => {
    const x = f64([1, 2], true);
    const y = noGrad(() => x.mul(2).sum());
    expect(() => y.backward()).toThrow(GraphError);
    expect(() => y.backward()).toThrow(/backward: this tensor \(shape \[\]\) was computed under noGrad from tensors that require grad/);
    expect(() => gradients(y, [x])).toThrow(/gradients: this tensor .* was computed under noGrad/);
    // a tensor that simply does not depend on x still gets zeros
    expect(values(gradients(f64(3).mul(2), [x])[0])).toEqual([0, 0]);
  });
});

describe('gradcheck of a function that computes gradients itself', () => {
  it('checks a gradient penalty (first and second order)', () => {
    // penalty(w) = |d/dx sum(tanh(w * x))|^2: the numeric pass must record, or the inner gradients are lost
    const x = f64([0.3, -0.7, 1.1]);
    const penalty = (w: Tensor) => {
      const xr = x.detach().requiresGrad_();
      const [g] = gradients(w.mul(xr).tanh().sum(), [xr], { createGraph: true });
      return g.mul(g).sum();
    };
    const w = f64([0.5, -1.2, 0.8], true);
    expect(gradcheck(penalty, [w]).ok).toBe(true);
    expect(gradgradcheck(penalty, [w]).ok).toBe(true);
  });
});

describe('pow at base 0', () => {
  it('relu(x).pow(p) with a learnable p has finite gradients where relu is 0', () => {
    const x = f64([-1, 0.5, 2], true);
    const p = f64([1.5], true);
    x.relu().pow(p).sum().backward();
    expect(Number.isFinite(p.grad!.item())).toBe(true);
    expect(p.grad!.item()).toBeCloseTo(0.5 ** 1.5 * Math.log(0.5) + 2 ** 1.5 * Math.log(2), 12);
    const a = f64([0], true), b = f64([0], true);
    a.pow(b).backward();
    expect([a.grad!.item(), b.grad!.item()]).toEqual([0, 0]);
  });
});

describe('gather with a smaller index', () => {
  it('reads the leading part of the other axes, as PyTorch', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]], true);
    const y = x.gather(i32([[2]]), 1);
    expect(values(y)).toEqual([[3]]);
    y.sum().backward();
    expect(values(x.grad!)).toEqual([[0, 0, 1], [0, 0, 0]]);
  });
});

describe('composed ops: values beyond the PyTorch fixture', () => {
  it('hardswish has the gradients -0.5 and 1.5 at -3 and 3 (PyTorch formula)', () => {
    const x = f64([-3, 3], true);
    x.hardswish().sum().backward();
    expect(values(x.grad!)).toEqual([-0.5, 1.5]);
  });

  it('var takes keepdims as a boolean; numpy ddof 0 is correction 0', () => {
    const x = f64([[1, 2, 3, 4]]);
    expect(x.var(1, true).shape).toEqual([1, 1]);
    expect(x.var().item()).toBeCloseTo(5 / 3, 14);
    expect(x.var(undefined, { correction: 0 }).item()).toBe(1.25);
    expect(tg.var(x).item()).toBeCloseTo(5 / 3, 14);
  });

  it('scatter and scatterAdd read the leading part of a larger src', () => {
    const x = zeros([2, 3], { dtype: 'float64' });
    const src = f64([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(values(x.scatterAdd(1, i32([[0, 0], [2, 1]]), src))).toEqual([[3, 0, 0], [0, 5, 4]]);
    expect(values(x.scatter(0, i32([[1, 0]]), src))).toEqual([[0, 2, 0], [1, 0, 0]]);
  });

  it('nonzero gives [count, ndim] indices, or one tensor per axis usable with index()', () => {
    const m = f64([[0, 3], [5, 0]]);
    expect(values(tg.nonzero(m))).toEqual([[0, 1], [1, 0]]);
    const [r, c] = m.nonzero({ asTuple: true });
    expect(values(m.index([r, c]))).toEqual([3, 5]);
    expect(tg.nonzero(f64(2)).shape).toEqual([1, 0]);
  });

  it('slice with newaxis and ... ', () => {
    const x = arange(24).reshape(2, 3, 4);
    expect(x.slice(['...', 'newaxis']).shape).toEqual([2, 3, 4, 1]);
    expect(x.slice(['newaxis', 1]).shape).toEqual([1, 3, 4]);
    expect(values(x.slice(['...', 1]))).toEqual(values(x.slice([null, null, 1])));
  });

  it('attention dropout: p 0 changes nothing, p 1 zeroes, others keep the expectation', () => {
    const q = f64([[[1, 0], [0, 1]]]), k = f64([[[1, 1], [0, 1], [1, 0]]]), v = f64([[[1], [2], [3]]]);
    const plain = tg.scaledDotProductAttention(q, k, v);
    expect(values(tg.scaledDotProductAttention(q, k, v, { dropoutP: 0 }))).toEqual(values(plain));
    expect(values(tg.scaledDotProductAttention(q, k, v, { dropoutP: 1 }))).toEqual([[[0], [0]]]);
    const g = new Generator(3);
    const runs = Array.from({ length: 400 }, () => tg.scaledDotProductAttention(q, k, ones([1, 3, 1], { dtype: 'float64' }), { dropoutP: 0.5, generator: g }).sum().item());
    const mean = runs.reduce((s, r) => s + r, 0) / runs.length;
    expect(Math.abs(mean - 2)).toBeLessThan(0.15); // each row's weights sum to 1 in expectation
  });

  it("gelu's exact form (erf arrived with ops/math.ts) is the default", () => {
    expect(tg.gelu(f64([1])).item()).toBeCloseTo(0.8413447460685429, 15); // 1 * Phi(1)
  });
});

describe('errors of the composed ops', () => {
  const x = zeros([2, 3]);
  const cases: [string, () => unknown, new (...a: any[]) => Error, RegExp][] = [
    ['split into sections that do not divide', () => x.split(2, 1), ShapeError, /^split: axis 1 of length 3 does not split into 2 equal sections/],
    ['split sizes that do not add up', () => x.split([1, 1], 1), ShapeError, /^split: section sizes \[1, 1\] add up to 2, not to the length 3 of axis 1/],
    ['chunk 0', () => x.chunk(0), ValueError, /^chunk: chunks must be an integer >= 1, got 0/],
    ['unflatten into the wrong sizes', () => x.unflatten(1, [2, 2]), ShapeError, /^unflatten: sizes \[2, 2\] do not make the length 3 of axis 1/],
    ['roll with shifts and axes of different counts', () => x.roll([1, 2], 0), ValueError, /^roll: 2 shifts for 1 axes/],
    ['repeat with fewer sizes than axes', () => x.repeat(2), ShapeError, /^repeat: needs at least one size per axis: 1 sizes for shape \[2, 3\]/],
    ['repeatInterleave with the wrong count', () => x.repeatInterleave([1, 2], 1), ShapeError, /^repeatInterleave: 2 repeats for axis 1 of length 3/],
    ['pad with an odd list', () => x.pad([1]), ValueError, /^pad: needs \(before, after\) pairs for at most the 2 axes of shape \[2, 3\], last axis first; got \[1\]/],
    ['pad reflect as long as the axis', () => x.pad([3, 0], { mode: 'reflect' }), ValueError, /^pad: mode 'reflect' needs pads less than the length 3 of axis 1, got \(3, 0\)/],
    ['pad with an unknown mode', () => x.pad([1, 1], { mode: 'wrap' as any }), ValueError, /^pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got 'wrap'/],
    ['tril of a vector', () => zeros([3]).tril(), ShapeError, /^tril: needs at least 2 dimensions, got shape \[3\]/],
    ['diag of a 3-D tensor', () => zeros([2, 2, 2]).diag(), ShapeError, /^diag: needs a 1-D or 2-D tensor, got shape \[2, 2, 2\]/],
    ['trace of a vector', () => zeros([3]).trace(), ShapeError, /^trace: needs a 2-D tensor/],
    ['diagonal with one axis twice', () => x.diagonal(0, 1, -1), ValueError, /^diagonal: axis1 and axis2 must differ, both are 1/],
    ['glu over an odd axis', () => x.glu(), ShapeError, /^glu: axis 1 of shape \[2, 3\] must have an even length/],
    ['hardtanh with min > max', () => x.hardtanh(1, 0), ValueError, /^hardtanh: minVal \(1\) must not be greater than maxVal \(0\)/],
    ['var with a negative correction', () => x.var(0, { correction: -1 }), ValueError, /^var: correction must be a finite number >= 0/],
    ['norm with a string order', () => x.norm('nuc' as any), ValueError, /^norm: p must be a number, Infinity, -Infinity or 'fro', got nuc/],
    ['scatter index out of range', () => x.scatter(1, i32([[3]]), 1), IndexError, /^scatter: index 3 at position 0 is out of range for an axis of length 3/],
    ['scatterAdd index longer than src', () => x.scatterAdd(0, i32([[0, 1]]), zeros([1, 1])), ShapeError, /^scatterAdd: index shape \[1, 2\] must have the dimensions/],
    ['indexAdd with a source of the wrong shape', () => x.indexAdd(0, [1], zeros([2, 3])), ShapeError, /^indexAdd: source must have shape \[1, 3\]/],
    ['maskedFill with a mask larger than x', () => x.maskedFill(i32([[[1]], [[0]]]), 1), ShapeError, /^maskedFill: a mask of shape \[2, 1, 1\] cannot be broadcast to the input's shape \[2, 3\]/],
    ['index with float indices', () => x.index([f64([0.5])]), DTypeError, /^index: index tensors must be int32, got float64/],
    ['index out of range', () => x.index([[0], [3]]), IndexError, /^index: index 3 at position 0 is out of range for an axis of length 3/],
    ['index with more entries than axes', () => x.index([0, 0, 0]), IndexError, /^index: 3 entries for a tensor of 2 dimensions/],
    ['slice with two ...', () => x.slice(['...', '...']), IndexError, /^slice: at most one '...' in the specs, got 2/],
    ['einsum with a wrong operand count', () => tg.einsum('ij,jk->ik', x), ValueError, /^einsum: 'ij,jk->ik' has 2 operand subscripts but 1 operands were given/],
    ['einsum with too few subscripts', () => tg.einsum('i->i', x), ShapeError, /^einsum: operand 0 has 2 dimensions \(shape \[2, 3\]\) but subscripts 'i' name 1/],
    ['einsum with mismatched lengths', () => tg.einsum('ij,ij->', x, zeros([3, 2])), ShapeError, /^einsum: subscript 'i' has lengths 2 and 3/],
    ['einsum with an unknown output label', () => tg.einsum('ij->k', x), ValueError, /^einsum: output subscript 'k' of 'ij->k' is not in any operand/],
    ['einsum with a bad character', () => tg.einsum('i1->i', x), ValueError, /^einsum: '1' in the subscripts of operand 0 of 'i1->i' is not a letter/],
    ['attention with mask and isCausal', () => tg.scaledDotProductAttention(x, x, x, { mask: ones([2, 2]), isCausal: true }), ValueError, /pass either mask or isCausal, not both/],
    ['attention with mismatched keys and values', () => tg.scaledDotProductAttention(x, x, zeros([3, 3])), ShapeError, /must have as many keys/],
    ['crossEntropy with float labels of another shape', () => tg.crossEntropy(x, zeros([2])), ShapeError, /^crossEntropy: input \[2, 3\] and target \[2\] must have the same shape/],
    ['crossEntropy with a label out of range', () => tg.crossEntropy(x, i32([0, 3])), IndexError, /^crossEntropy: target 3 at position 1 is out of range for 3 classes/],
    ['nllLoss with targets of the wrong shape', () => tg.nllLoss(x, i32([0, 1, 2])), ShapeError, /^nllLoss: input \[2, 3\] \(classes on axis 1\) needs targets of shape \[2\], got \[3\]/],
    ['nllLoss with int input', () => tg.nllLoss(i32([[0]]), i32([0])), DTypeError, /^nllLoss: input must be a float tensor, got int32/],
    ['crossEntropy with a bad reduction', () => tg.crossEntropy(x, i32([0, 1]), { reduction: 'avg' as any }), ValueError, /reduction must be 'none', 'mean' or 'sum', got 'avg'/],
    ['huberLoss with delta 0', () => tg.huberLoss(x, x, { delta: 0 }), ValueError, /^huberLoss: delta must be a finite number > 0, got 0/],
    ['klDiv with shapes that differ', () => tg.klDiv(x, zeros([3])), ShapeError, /^klDiv: input \[2, 3\] and target \[3\] must have the same shape/],
  ];
  it.each(cases)('%s', (_name, fn, cls, message) => {
    expect(fn).toThrow(cls);
    expect(fn).toThrow(message);
  });
});
