// Bad input gives a named Error subclass whose message names the op and the shapes / dtypes / values involved.
import { describe, it, expect } from 'vitest';
import * as tg from '@tensorgrad/core';
import {
  tensor, zeros, ones, Tensor, TensorgradError, ShapeError, DTypeError, GraphError, IndexError, ValueError,
} from '@tensorgrad/core';

type ErrorClass = typeof ShapeError;
type Case = readonly [string, () => unknown, ErrorClass, RegExp];

const f64 = (data: tg.NestedArray, requiresGrad = false) => tensor(data, { dtype: 'float64', requiresGrad });
const i32 = (data: tg.NestedArray) => tensor(data, { dtype: 'int32' });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectError(fn: () => unknown, cls: ErrorClass, pattern: RegExp): void {
  const e = thrown(fn);
  expect(e, `expected ${cls.name} matching ${pattern}`).toBeInstanceOf(cls);
  expect(e).toBeInstanceOf(TensorgradError);
  expect((e as Error).name).toBe(cls.name);
  expect((e as Error).message).toMatch(pattern);
}

function table(cases: readonly Case[]): void {
  it.each(cases.map((c) => [c[0], c] as const))('%s', (_name, [, fn, cls, pattern]) => expectError(fn, cls, pattern));
}

describe('broadcasting', () => {
  table([
    ['add [2, 3] + [4]', () => zeros([2, 3]).add(zeros([4])), ShapeError, /^add: shapes \[2, 3\] and \[4\] cannot be broadcast/],
    ['mul [4, 2] * [3, 1]', () => tg.mul(zeros([4, 2]), zeros([3, 1])), ShapeError, /^mul: shapes \[4, 2\] and \[3, 1\] cannot be broadcast/],
    ['sub [2, 3, 4] - [2, 4]', () => zeros([2, 3, 4]).sub(zeros([2, 4])), ShapeError, /^sub: shapes \[2, 3, 4\] and \[2, 4\]/],
    ['div [0] / [2]', () => zeros([0]).div(zeros([2])), ShapeError, /^div: shapes \[0\] and \[2\]/],
    ['maximum [3] [2]', () => zeros([3]).maximum(zeros([2])), ShapeError, /^maximum: shapes \[3\] and \[2\]/],
    ['pow [3] ** [2]', () => ones([3]).pow(ones([2])), ShapeError, /^pow: shapes \[3\] and \[2\]/],
    ['gt [2, 3] > [2]', () => zeros([2, 3]).gt(zeros([2])), ShapeError, /^gt: shapes \[2, 3\] and \[2\]/],
    ['where cond [2] with [3]', () => tg.where(i32([1, 0]), zeros([3]), 0), ShapeError, /^where: shapes \[2\] and \[3\]/],
    ['broadcastTo [2, 3] -> [3, 3]', () => zeros([2, 3]).broadcastTo([3, 3]), ShapeError, /^broadcastTo: .*\[2, 3\].*\[3, 3\]/],
    ['broadcastTo [3] -> [2, 1]', () => zeros([3]).broadcastTo([2, 1]), ShapeError, /^broadcastTo: shape \[3\] cannot be broadcast to \[2, 1\]/],
    ['backward with a gradient of another shape', () => f64([1, 2], true).mul(2).backward(f64([1, 2, 3])), ShapeError,
      /^backward: gradient has shape \[3\] but the output has shape \[2\]/],
  ]);
});

describe('matmul', () => {
  table([
    ['[2, 3] @ [4, 5]', () => zeros([2, 3]).matmul(zeros([4, 5])), ShapeError, /^matmul: shapes \[2, 3\] and \[4, 5\] do not align: 3 .* 4/],
    ['[3] @ [4]', () => zeros([3]).matmul(zeros([4])), ShapeError, /^matmul: shapes \[3\] and \[4\] do not align/],
    ['[3] @ [2, 5]', () => tg.matmul(zeros([3]), zeros([2, 5])), ShapeError, /^matmul: shapes \[3\] and \[2, 5\] do not align/],
    ['[2, 3] @ [2]', () => zeros([2, 3]).dot(zeros([2])), ShapeError, /^matmul: shapes \[2, 3\] and \[2\] do not align/],
    ['batch [2] vs [3]', () => zeros([2, 3, 4]).matmul(zeros([3, 4, 5])), ShapeError,
      /^matmul: shapes \[2, 3, 4\] and \[3, 4, 5\] do not align: batch dimensions \[2\] and \[3\]/],
    ['0-d operand', () => zeros([]).matmul(zeros([4])), ShapeError, /^matmul: .*shapes \[\] and \[4\]/],
  ]);
});

describe('axes', () => {
  const x = zeros([2, 3]);
  table([
    ['sum axis 2 of a 2-D tensor', () => x.sum(2), IndexError, /^sum: axis 2 is out of bounds for a tensor of 2 dimensions/],
    ['mean axis -3', () => x.mean(-3), IndexError, /^mean: axis -3 is out of bounds for a tensor of 2 dimensions/],
    ['max axis 1.5', () => x.max(1.5), IndexError, /^max: axis 1\.5 is out of bounds/],
    ['sum repeated axis [0, -2]', () => x.sum([0, -2]), IndexError, /^sum: repeated axis in \[0, -2\]/],
    ['logsumexp repeated axis [1, 1]', () => x.logsumexp([1, 1]), IndexError, /^logsumexp: repeated axis in \[1, 1\]/],
    ['min axis list out of range', () => x.min([0, 5]), IndexError, /^min: axis 5 is out of bounds for a tensor of 2 dimensions/],
    ['softmax axis 2', () => x.softmax(2), IndexError, /^softmax: axis 2 is out of bounds for a tensor of 2 dimensions/],
    ['logSoftmax axis -3', () => x.logSoftmax(-3), IndexError, /^logSoftmax: axis -3 is out of bounds/],
    ['argmax axis 5', () => x.argmax(5), IndexError, /^argmax: axis 5 is out of bounds for a tensor of 2 dimensions/],
    ['sum of a 0-d tensor over axis 0', () => zeros([]).sum(0), IndexError, /^sum: axis 0 is out of bounds for a tensor of 0 dimensions/],
    ['transpose with a repeated axis', () => x.transpose([0, 0]), ShapeError, /^transpose: axes \[0, 0\] are not a permutation of the 2 axes of shape \[2, 3\]/],
    ['transpose with too few axes', () => x.permute([1]), ShapeError, /^transpose: axes \[1\] are not a permutation .*\[2, 3\]/],
    ['transpose axis out of range', () => x.transpose([0, 2]), IndexError, /^transpose: axis 2 is out of bounds/],
    ['swapaxes out of range', () => x.swapaxes(0, 2), IndexError, /^swapaxes: axis 2 is out of bounds/],
    ['unsqueeze at 3 of a 2-D tensor', () => x.unsqueeze(3), IndexError, /^unsqueeze: axis 3 is out of bounds for a tensor of 3 dimensions/],
    ['flatten start after end', () => zeros([2, 3, 4]).flatten(2, 1), IndexError, /^flatten: startAxis 2 comes after endAxis 1/],
    ['concat axis 2', () => tg.concat([x, x], 2), IndexError, /^concat: axis 2 is out of bounds/],
    ['stack axis 3', () => tg.stack([x, x], 3), IndexError, /^stack: axis 3 is out of bounds for a tensor of 3 dimensions/],
    ['gather axis 2', () => x.gather(i32([[0]]), 2), IndexError, /^gather: axis 2 is out of bounds/],
    ['take axis -3', () => x.take([0], -3), IndexError, /^take: axis -3 is out of bounds/],
  ]);
});

describe('reshape, squeeze, concat, slice', () => {
  const x = zeros([2, 3]);
  table([
    ['reshape [2, 3] to [4, 2]', () => x.reshape([4, 2]), ShapeError,
      /^reshape: cannot reshape a tensor of shape \[2, 3\] \(6 elements\) into \[4, 2\] \(8 elements\)/],
    ['reshape [2, 3] to [-1, 4]', () => x.reshape([-1, 4]), ShapeError, /^reshape: cannot reshape a tensor of shape \[2, 3\] \(6 elements\) into \[-1, 4\]/],
    ['reshape [0, 3] to [0, -1]', () => zeros([0, 3]).reshape([0, -1]), ShapeError, /^reshape: cannot reshape a tensor of shape \[0, 3\] .*into \[0, -1\]/],
    ['reshape with two -1s', () => x.reshape([-1, -1]), ShapeError, /^reshape: only one dimension can be -1, got \[-1, -1\]/],
    ['reshape with a negative dimension', () => x.reshape([2, -3]), ShapeError, /^reshape: dimensions must be non-negative integers, got shape \[2, -3\]/],
    ['reshape with a fraction', () => x.reshape([1.5, 4]), ShapeError, /^reshape: dimensions must be non-negative integers, got shape \[1\.5, 4\]/],
    ['squeeze axis 1 of [2, 3]', () => x.squeeze(1), ShapeError, /^squeeze: axis 1 of shape \[2, 3\] has length 3, not 1/],
    ['squeeze axes [0, 1] of [1, 3]', () => zeros([1, 3]).squeeze([0, 1]), ShapeError, /^squeeze: axis 1 of shape \[1, 3\] has length 3, not 1/],
    ['concat [2, 3] and [2, 4] along 0', () => tg.concat([x, zeros([2, 4])], 0), ShapeError,
      /^concat: along axis 0, shapes \[2, 3\], \[2, 4\] differ in another dimension/],
    ['concat [2, 3] and [3] (ranks differ)', () => tg.concat([x, zeros([3])], 0), ShapeError, /^concat: .*shapes \[2, 3\], \[3\]/],
    ['concat of nothing', () => tg.concat([]), ValueError, /^concat: needs at least one tensor/],
    ['stack [2, 3] and [3, 2]', () => tg.stack([x, zeros([3, 2])]), ShapeError, /^stack: all tensors need the same shape, got \[2, 3\], \[3, 2\]/],
    ['slice step 0', () => x.slice([null, [0, 3, 0]]), ValueError, /^slice: step must be a nonzero integer, got 0 for axis 1/],
    ['slice fractional step', () => x.slice([{ step: 0.5 }]), ValueError, /^slice: step must be a nonzero integer, got 0\.5 for axis 0/],
    ['slice fractional bound', () => x.slice([[0.5, 2]]), ValueError, /^slice: bounds must be integers, got 0\.5 for axis 0/],
    ['slice index 2 of an axis of length 2', () => x.slice([2]), IndexError, /^slice: index 2 is out of range for axis 0 of length 2/],
    ['slice index -4 of an axis of length 3', () => x.slice([0, -4]), IndexError, /^slice: index -4 is out of range for axis 1 of length 3/],
    ['slice with more specs than axes', () => x.slice([0, 0, 0]), IndexError, /^slice: 3 slice specs for a tensor of 2 dimensions \(shape \[2, 3\]\)/],
  ]);
});

describe('indices and labels', () => {
  const x = zeros([2, 3]);
  table([
    ['gather index 3 on an axis of length 3', () => x.gather(i32([[0, 3], [1, 1]]), 1), IndexError,
      /^gather: index 3 at position 1 is out of range for an axis of length 3/],
    ['gather index -3 on an axis of length 2', () => x.gather(i32([[0, 1, -3]]), 0), IndexError,
      /^gather: index -3 at position 2 is out of range for an axis of length 2/],
    ['gather index longer than the input in another axis', () => x.gather(i32([[0, 1, 1, 0]]), 0), ShapeError,
      /^gather: index shape \[1, 4\] must not exceed the input shape \[2, 3\] except along axis 0/],
    ['gather with float indices', () => x.gather(f64([[0, 1, 1]]), 0), DTypeError, /^gather: indices must be an int32 tensor, got float64/],
    ['take index -4 on an axis of length 3', () => x.take([0, -4], 1), IndexError, /^take: index -4 at position 1 is out of range for an axis of length 3/],
    ['take index 6 of 6 elements (flattened)', () => x.take([6]), IndexError, /^take: index 6 at position 0 is out of range for an axis of length 6/],
    ['take with 2-D indices', () => x.take(i32([[0]]), 0), ShapeError, /^take: indices must be 1-D, got shape \[1, 1\]/],
    ['take with fractional indices', () => x.take([0.5]), DTypeError, /^take: indices must be an int32 tensor or an array of integers/],
    ['pick label 3 of 3 classes', () => x.pick([0, 3]), IndexError, /^pick: label 3 in row 1 is out of range for 3 classes/],
    ['pick label -1', () => x.pick(i32([-1, 0])), IndexError, /^pick: label -1 in row 0 is out of range for 3 classes/],
    ['pick with float32 labels', () => x.pick(tensor([0, 1], { dtype: 'float32' })), DTypeError, /^pick: indices must be an int32 tensor, got float32/],
    ['pick with float64 labels', () => x.pick(f64([0, 1])), DTypeError, /^pick: indices must be an int32 tensor, got float64/],
    ['pick with fractional labels', () => x.pick([0, 1.5]), DTypeError, /^pick: indices must be an int32 tensor or an array of integers/],
    ['pick with too many labels', () => x.pick([0, 1, 2]), ShapeError, /^pick: needs one label per row: 2 rows but labels of shape \[3\]/],
    ['pick from a 1-D tensor', () => zeros([3]).pick([0]), ShapeError, /^pick: expects a 2-D tensor \[samples, classes\], got shape \[3\]/],
    ['oneHot label 4 of 3 classes', () => tg.oneHot([0, 4], 3), IndexError, /^oneHot: label 4 at position 1 is out of range for 3 classes/],
    ['oneHot negative label', () => tg.oneHot(i32([-1]), 3), IndexError, /^oneHot: label -1 at position 0 is out of range for 3 classes/],
    ['oneHot with 0 classes', () => tg.oneHot([0], 0), ShapeError, /^oneHot: numClasses must be a positive integer, got 0/],
    ['oneHot with float labels', () => tg.oneHot(f64([1]), 3), DTypeError, /^oneHot: indices must be an int32 tensor, got float64/],
  ]);
});

describe('dtypes', () => {
  table([
    ['int32 tensor created with requiresGrad', () => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), DTypeError,
      /only float tensors can require grad; this tensor is int32 with shape \[2\]/],
    ['requiresGrad set on an int32 tensor', () => (i32([[1], [2]]).requiresGrad = true), DTypeError,
      /only float tensors can require grad; this tensor is int32 with shape \[2, 1\]/],
    ['requiresGrad_() on an int32 tensor', () => tg.arange(3, undefined, 1, { dtype: 'int32' }).requiresGrad_(), DTypeError, /int32 with shape \[3\]/],
    ['int32 zeros with requiresGrad', () => zeros([2], { dtype: 'int32', requiresGrad: true }), DTypeError, /int32 with shape \[2\]/],
    ['astype to an unknown dtype', () => zeros([2]).astype('int64' as tg.DType), DTypeError, /^astype: unknown dtype 'int64' \(expected 'float32', 'float64', 'int32', 'uint8' or 'bool'\)/],
    ['zeros of an unknown dtype', () => zeros([2], { dtype: 'float16' as tg.DType }), DTypeError, /^zeros: unknown dtype 'float16'/],
    ['default dtype int32', () => tg.setDefaultDtype('int32'), DTypeError, /^setDefaultDtype: the default dtype must be 'float32' or 'float64', got 'int32'/],
  ]);
});

describe('autograd misuse', () => {
  table([
    ['backward twice through a freed graph', () => {
      const x = f64([1, 2], true);
      const y = x.mul(x).sum();
      y.backward();
      y.backward();
    }, GraphError, /^backward: the graph through 'mul' \(output shape \[2\]\) was already freed by an earlier backward; pass \{ retainGraph: true \}/],
    ['backward through a freed intermediate', () => {
      const x = f64([1, 2], true);
      const h = x.exp();
      h.sum().backward();
      h.mul(2).sum().backward();
    }, GraphError, /^backward: the graph through 'exp' \(output shape \[2\]\) was already freed/],
    ['backward of a non-scalar without a gradient', () => f64([[1, 2, 3], [4, 5, 6]], true).mul(2).backward(), GraphError,
      /^backward: a gradient argument is needed for a non-scalar output \(shape \[2, 3\]\)/],
    ['backward of a tensor that does not require grad', () => f64([1, 2]).sum().backward(), GraphError,
      /^backward: this tensor \(shape \[\]\) does not require grad/],
    ['requiresGrad set on a non-leaf', () => (f64([1, 2], true).mul(2).requiresGrad = false), GraphError,
      /^requiresGrad can only be set on a leaf tensor; this one was made by 'mul'/],
    ['retainGrad on a tensor without grad', () => f64([1]).retainGrad(), GraphError, /^retainGrad: this tensor does not require grad/],
    ['registerHook on a tensor without grad', () => f64([1]).registerHook(() => undefined), GraphError, /^registerHook: this tensor does not require grad/],
  ]);

  it('leaves the gradients of the first backward in place when the second one fails', () => {
    const x = f64([1, 2], true);
    const y = x.mul(x).sum();
    y.backward();
    expect(() => y.backward()).toThrow(GraphError);
    expect(Array.from(x.grad!.data)).toEqual([2, 4]);
  });
});

describe('creating tensors', () => {
  table([
    ['ragged rows [[1, 2], [3]]', () => tensor([[1, 2], [3]]), ShapeError, /^tensor: ragged nested array: expected 2 elements at depth 1, got 1/],
    ['a number where a row should be', () => tensor([[1, 2], 3] as tg.NestedArray), ShapeError, /^tensor: ragged nested array: expected 2 elements at depth 1, got number/],
    ['a row where a number should be', () => tensor([1, [2]]), ShapeError, /^tensor: ragged nested array: expected a number at depth 1, got an array/],
    ['ragged at depth 2', () => tensor([[[1, 2]], [[3, 4, 5]]]), ShapeError, /^tensor: ragged nested array: expected 2 elements at depth 2, got 3/],
    ['a string among the numbers', () => tensor(['a'] as unknown as number[]), ValueError, /^tensor: expected a number or a boolean at depth 1, got string/],
    ['data that does not fit the shape', () => tensor([1, 2, 3], { shape: [2, 2] }), ShapeError, /^tensor: 3 values cannot have shape \[2, 2\]/],
    ['zeros with a fractional dimension', () => zeros([2, 1.5]), ShapeError, /^zeros: dimensions must be non-negative integers, got shape \[2, 1\.5\]/],
    ['zeros with a negative dimension', () => zeros([-1, 2]), ShapeError, /^zeros: dimensions must be non-negative integers, got shape \[-1, 2\]/],
    ['ones with a NaN dimension', () => ones([NaN]), ShapeError, /^ones: dimensions must be non-negative integers, got shape \[NaN\]/],
    ['full with a shape that is not an array', () => tg.full(3 as unknown as number[], 1), ShapeError, /^full: a shape must be an array of integers, got 3/],
    ['randn with a negative dimension', () => tg.randn([3, -2]), ShapeError, /^randn: dimensions must be non-negative integers, got shape \[3, -2\]/],
    ['eye of a negative size', () => tg.eye(-1), ShapeError, /^eye: dimensions must be non-negative integers, got shape \[-1, -1\]/],
    ['zeros too large', () => zeros([65536, 65536]), ShapeError, /^zeros: shape \[65536, 65536\] has 4294967296 elements, more than 2147483647/],
    ['randn too large', () => tg.randn([100000, 100000]), ShapeError, /^randn: shape \[100000, 100000\] has 10000000000 elements, more than 2147483647/],
    ['broadcastTo too large', () => zeros([1]).broadcastTo([1 << 16, 1 << 16]), ShapeError, /^broadcastTo: shape \[65536, 65536\] has 4294967296 elements/],
    ['arange with step 0', () => tg.arange(0, 1, 0), ValueError, /^arange: step must be a finite nonzero number, got 0/],
    ['linspace with num -1', () => tg.linspace(0, 1, -1), ValueError, /^linspace: num must be a non-negative integer, got -1/],
  ]);
});

describe('reductions over nothing, and other values', () => {
  table([
    ['max over an empty axis', () => zeros([0, 3]).max(0), ValueError, /^max: cannot reduce over axis 0 of length 0 \(shape \[0, 3\]\)/],
    ['max of an empty tensor', () => zeros([0, 3]).max(), ValueError, /^max: cannot reduce over axis 0 of length 0 \(shape \[0, 3\]\)/],
    ['min over an empty last axis', () => zeros([2, 0]).min(-1), ValueError, /^min: cannot reduce over axis 1 of length 0 \(shape \[2, 0\]\)/],
    ['argmax of an empty tensor', () => zeros([0]).argmax(), ValueError, /^argmax: an empty tensor \(shape \[0\]\) has no max/],
    ['argmin over an empty axis', () => zeros([2, 0]).argmin(1), ValueError, /^argmin: axis 1 of shape \[2, 0\] is empty/],
    ['item of a 2-element tensor', () => zeros([2]).item(), ShapeError, /^item: only one-element tensors have an item; this one has shape \[2\]/],
    ['clip with a NaN bound', () => zeros([2]).clip(NaN, 0), ValueError, /^clip: min must be a number, null or undefined \(no bound\), got NaN/],
    ['an array as an operand', () => zeros([2]).mul([1, 2] as unknown as number), ValueError, /expected a Tensor or a number, got an array/],
  ]);
});

describe('arguments of the wrong kind are named errors saying what was expected (not TypeError / RangeError)', () => {
  const x = tensor([[1, 2], [3, 4]]);
  const identity = (backward: (g: Tensor) => unknown) =>
    tg.customOp({ name: 'badBackward', forward: (_ctx, a) => a.mul(1), backward: (_ctx, g) => backward(g) as Tensor });
  const backwardOf = (backward: (g: Tensor) => unknown) => () => identity(backward)(tensor([1, 2], { requiresGrad: true })).sum().backward();
  table([
    ['a custom backward returning a number', backwardOf(() => 2), GraphError, /customOp 'badBackward': backward must return a Tensor or null per input .*got number for input 0/],
    ['a custom backward returning a typed array', backwardOf((g) => g.data), GraphError, /got Float32Array for input 0/],
    ['a custom backward returning a nested array', backwardOf(() => [[1, 1]]), GraphError, /got an array for input 0/],
    ['matmul with a number', () => tg.matmul(x, 2 as unknown as Tensor), ValueError, /^matmul: the second operand must be a Tensor, got number/],
    ['x.matmul(null)', () => x.matmul(null as unknown as Tensor), ValueError, /^matmul: the second operand must be a Tensor, got null/],
    ['matmul with a number first', () => tg.matmul(2 as unknown as Tensor, x), ValueError, /^matmul: the first operand must be a Tensor, got number/],
    ['concat with a number', () => tg.concat([x, 5 as unknown as Tensor]), ValueError, /^concat: element 1 must be a Tensor, got number/],
    ['concat of a tensor', () => tg.concat(x as unknown as Tensor[]), ValueError, /^concat: expects an array of tensors/],
    ['linear with a number input', () => tg.linear(2 as unknown as Tensor, x, tensor([1, 2])), ValueError, /^linear: the input x must be a Tensor, got number/],
    ['linear with no bias', () => tg.linear(x, x, undefined as unknown as Tensor), ValueError, /^linear: the bias b must be a Tensor, got undefined/],
    ...(['sum', 'mean', 'max', 'min', 'logsumexp'] as const).map(
      (op) => [`${op} over axis 'a'`, () => tg[op](x, 'a' as unknown as number), IndexError, new RegExp(`^${op}: axis must be an integer or an array of integers, got string a`)] as Case,
    ),
    ['oneHot with dtype int8', () => tg.oneHot([1], 3, 'int8' as tg.DType), DTypeError, /^oneHot: unknown dtype 'int8' \(expected 'float32', 'float64', 'int32', 'uint8' or 'bool'\)/],
  ]);
});

describe('every error is a TensorgradError and an Error', () => {
  it('has the class name as its name, for logs and instanceof across the hierarchy', () => {
    for (const cls of [ShapeError, DTypeError, GraphError, IndexError, ValueError]) {
      const e = new cls('m');
      expect(e).toBeInstanceOf(Error);
      expect(e).toBeInstanceOf(TensorgradError);
      expect(e.name).toBe(cls.name);
      expect(String(e)).toBe(`${cls.name}: m`);
    }
    expect(thrown(() => zeros([2]).add(zeros([3])))).not.toBeInstanceOf(IndexError);
    expect(thrown(() => zeros([2]).sum(1))).not.toBeInstanceOf(ShapeError);
    expect(Tensor).toBeDefined();
  });
});
