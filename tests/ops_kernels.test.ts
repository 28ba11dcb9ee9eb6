// The ops with kernels of their own (issue 11): elementwise math, what the fixture cannot say (float32 rounding,
// booleans, second derivatives of the special functions), and their error cases.
import { describe, it, expect } from 'vitest';
import * as tg from '@tensorgrad/core';
import { tensor, gradients, ValueError, type Tensor } from '@tensorgrad/core';

const f64 = (data: any, requiresGrad = false) => tensor(data, { dtype: 'float64', requiresGrad });
const i32 = (data: any) => tensor(data, { dtype: 'int32' });
const values = (t: Tensor) => Array.from(t.data);

describe('elementwise math', () => {
  it('float32 results are the float64 ones rounded once', () => {
    const x = tensor([0.1, 0.7, 1.3, 2.9, -0.4], { dtype: 'float32' });
    for (const op of ['sin', 'erf', 'erfc', 'log1p', 'expm1', 'atanh'] as const) {
      const got = x[op]();
      expect(got.dtype).toBe('float32');
      expect(values(got)).toEqual(values(x.astype('float64')[op]().astype('float32')));
    }
  });

  it('int inputs give floats of the default dtype, and rounding keeps int32', () => {
    expect(i32([1, 2]).sin().dtype).toBe('float32');
    expect(i32([1, 2]).reciprocal().dtype).toBe('float32');
    expect(i32([1, -2]).floor().dtype).toBe('int32');
    expect(i32([3, -3]).square().dtype).toBe('int32');
    expect(values(tg.round(f64([0.5, 1.5, 2.5, -0.5, -2.5, 2.4999999999999996])))).toEqual([0, 2, 2, -0, -2, 2]);
  });

  it('rounding passes no gradient (as sign and step)', () => {
    expect(f64([1.5], true).floor().requiresGrad).toBe(false);
    const x = f64([1.25, -2.75], true);
    expect(values(gradients(x.frac().sum(), [x])[0])).toEqual([1, 1]);
  });

  it('an int32 divisor of 0 is a ValueError; a float one gives what IEEE says', () => {
    for (const op of [tg.fmod, tg.remainder, tg.floorDivide]) {
      expect(() => op(i32([1, 2]), i32([1, 0]))).toThrow(ValueError);
      expect(() => op(i32([1, 2]), 0)).toThrow(/integer division by zero/);
    }
    expect(values(tg.fmod(f64([1]), 0))).toEqual([NaN]);
    expect(values(tg.floorDivide(f64([1, -1]), 0))).toEqual([Infinity, -Infinity]);
  });

  it('allclose is a boolean; isclose and the predicates give masks', () => {
    expect(tg.allclose(f64([1, 2]), f64([1, 2.000001]))).toBe(true);
    expect(f64([1, NaN]).allclose(f64([1, NaN]))).toBe(false);
    expect(f64([1, NaN]).allclose(f64([1, NaN]), { equalNan: true })).toBe(true);
    expect(tg.allclose(f64([1]), 1.5, { atol: 0.6 })).toBe(true);
    expect(values(f64([NaN, Infinity, 1]).isfinite())).toEqual([0, 0, 1]);
  });

  it('isclose refuses a negative or non-numeric tolerance', () => {
    expect(() => tg.isclose(f64([1]), f64([1]), { rtol: -1 })).toThrow(/isclose: rtol must be a number >= 0, got -1/);
    expect(() => tg.allclose(f64([1]), f64([1]), { atol: NaN })).toThrow(ValueError);
  });

  it('nanToNum leaves int tensors as they are and passes the gradient only where x is finite', () => {
    expect(values(i32([1, 2]).nanToNum())).toEqual([1, 2]);
    const x = f64([NaN, Infinity, 2], true);
    expect(values(gradients(x.nanToNum().sum(), [x])[0])).toEqual([0, 0, 1]);
  });

  it('erf, erfc and erfinv are twice differentiable and agree with each other', () => {
    const y = f64([-0.9, -0.3, 0.2, 0.95]);
    expect(tg.allclose(y.erfinv().erf(), y, { rtol: 1e-15, atol: 0 })).toBe(true);
    expect(tg.allclose(y.erfc().add(y.erf()), 1, { rtol: 1e-15, atol: 0 })).toBe(true);
    tg.gradgradcheck((t) => t.erfinv(), [f64([-0.5, 0.3], true)]);
    tg.gradgradcheck((t) => t.erfc(), [f64([-1.5, 2.5], true)]);
  });
});

describe('activations built on erf and log1p', () => {
  it("gelu's exact form is x * Phi(x); a bad approximate is a ValueError", () => {
    const x = f64([-1, 0.5, 2]);
    const phi = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
    expect(values(x.gelu())).toEqual(values(x.mul(phi)));
    expect(() => x.gelu({ approximate: 'erf' as any })).toThrow(/gelu: approximate must be 'none' or 'tanh', got erf/);
  });

  it('softplus has no NaN gradient for large x, and refuses beta 0 or a non-finite threshold', () => {
    const x = f64([1000, -1000, 0], true);
    expect(values(gradients(x.softplus().sum(), [x])[0])).toEqual([1, 0, 0.5]);
    expect(() => x.softplus(0)).toThrow(/softplus: beta must not be 0/);
    expect(() => x.softplus(1, Infinity)).toThrow(/softplus: threshold must be a finite number/);
  });

  it('mish is finite for large inputs', () => {
    expect(values(f64([1000, -1000]).mish())).toEqual([1000, -0]);
  });
});

describe('products, scans and orderings', () => {
  it('topk refuses a k outside 0..length; median refuses an empty tensor or axis', () => {
    const x = f64([[1, 2, 3]]);
    expect(() => x.topk(4)).toThrow(/topk: k must be an integer from 0 to 3 \(the length of axis 1 of shape \[1, 3\]\), got 4/);
    expect(() => x.topk(-1)).toThrow(ValueError);
    expect(() => x.topk(1.5)).toThrow(ValueError);
    expect(() => tg.zeros([0]).median()).toThrow(/median: an empty tensor \(shape \[0\]\) has no median/);
    expect(() => tg.zeros([2, 0]).median(1)).toThrow(/median: axis 1 of shape \[2, 0\] is empty/);
    expect(() => x.sort(2)).toThrow(tg.IndexError);
  });

  it('positions are int32 and pass no gradient; values take the gradient to the chosen elements', () => {
    const x = f64([3, 1, 2], true);
    const [v, at] = x.sort();
    expect(at.dtype).toBe('int32');
    expect(at.requiresGrad).toBe(false);
    expect(values(gradients(v.mul(f64([1, 10, 100])).sum(), [x])[0])).toEqual([100, 1, 10]);
    expect(values(gradients(x.median(), [x])[0])).toEqual([0, 0, 1]);
  });

  it('prod and cumprod keep int32; cumsum of an int tensor stays int32', () => {
    expect(i32([2, 3]).prod().dtype).toBe('int32');
    expect(values(i32([1, 2, 3]).cumsum())).toEqual([1, 3, 6]);
    expect(i32([1, 2]).logcumsumexp().dtype).toBe('float32');
  });

  it("prod's gradient at zeros is the product of the others, as PyTorch", () => {
    const x = f64([2, 0, 3], true);
    expect(values(gradients(x.prod(), [x])[0])).toEqual([0, 6, 0]);
    const y = f64([0, 4, 0], true);
    expect(values(gradients(y.prod(), [y])[0])).toEqual([0, 0, 0]);
  });
});

describe('int32 products and sums never wrap', () => {
  it('prod, cumsum and cumprod of int32 refuse a result int32 cannot hold', () => {
    expect(() => i32([65536, 65536]).prod()).toThrow(/prod: 4294967296 does not fit in int32/);
    expect(() => i32([2147483647, 1]).cumsum()).toThrow(ValueError);
    expect(() => tg.cumprod(i32([65536, 65536]))).toThrow(/cumprod: 4294967296 \(at position 1\) does not fit in int32/);
    expect(values(i32([[2, 3], [4, 5]]).prod(1))).toEqual([6, 20]);
  });
});
