// The ops as Tensor methods (x.add(y) is add(x, y)), attached to Tensor's prototype from this side so that
// tensor.ts imports no op (as TensorFlow.js chains its ops). Their types are TensorMethods in tensor.ts: the two
// objects below must define every one of them, each with that signature, or the compiler says which.
import { Tensor, type TensorMethods } from '../tensor.js';
import { add, div, eq, ge, gt, le, logicalAnd, logicalNot, logicalOr, logicalXor, lt, maximum, minimum, mul, ne, neg, pow, sub, where } from './arith.js';
import { astype, clone } from './creation.js';
import { gather, pick, take } from './indexing.js';
import { matmul } from './linalg.js';
import { logSoftmax, softmax } from './nnfunc.js';
import { argmax, argmin, logsumexp, max, mean, min, sum } from './reduce.js';
import { broadcastTo, flatten, permute, reshape, slice, squeeze, swapaxes, transpose, unsqueeze } from './shape.js';
import { all, any, countNonzero, norm, std, stdMean, variance, varMean } from './statistics.js';
import { celu, elu, gelu, mish, softplus, glu, hardsigmoid, hardswish, hardtanh, logsigmoid, relu6, selu, silu, softmin, softsign } from './activation.js';
import {
  chunk, diag, diagonal, flip, index, indexAdd, indexSelect, maskedFill, maskedSelect, nonzero, pad, repeat, repeatInterleave, roll,
  scatter, scatterAdd, split, tile, trace, tril, triu, unflatten,
} from './manipulation.js';
import {
  acos, acosh, allclose, asin, asinh, atan, atan2, atanh, ceil, copysign, cos, cosh, erf, erfc, erfinv, exp2, expm1, floor,
  floorDivide, fmod, frac, hypot, isclose, isfinite, isinf, isnan, lerp, log10, log1p, log2, logaddexp, nanToNum, reciprocal,
  remainder, round, rsqrt, sin, sinh, square, tan, trunc,
} from './math.js';
import { argsort, cummax, cummin, cumprod, cumsum, logcumsumexp, median, prod, sort, topk } from './scan.js';
import { abs, clip, exp, leakyRelu, log, relu, sigmoid, sign, sqrt, step, tanh } from './unary.js';

/** The op behind method M: x.name(...args) is op(x, ...args). */
type OpOf<M> = M extends (...args: infer A extends readonly unknown[]) => infer R ? (x: Tensor, ...args: A) => R : never;

/** The methods written out below rather than taken from an op as it is. */
type Written = 'T' | 'bool' | 'byte' | 'where' | 'median' | 'nonzero';

// Each method's op, under the method's name.
const ops: { [K in Exclude<keyof TensorMethods, Written>]: OpOf<TensorMethods[K]> } = {
  astype, clone, add, sub, mul, div, pow, maximum, minimum, neg, exp, log, sqrt, abs, sign, relu, leakyRelu, sigmoid, tanh, step,
  clip, eq, ne, gt, ge, lt, le, logicalNot, logicalAnd, logicalOr, logicalXor,
  sum, mean, max, min, logsumexp, argmax, argmin, softmax, logSoftmax, matmul, dot: matmul,
  reshape, flatten, squeeze, unsqueeze, expand: broadcastTo, broadcastTo, transpose, permute, swapaxes, slice, gather, take, pick,

  // the composed ops
  var: variance, std, varMean, stdMean, norm, any, all, countNonzero,
  silu, elu, celu, selu, hardtanh, relu6, hardsigmoid, hardswish, logsigmoid, softsign, softmin, glu, gelu, softplus, mish,
  sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, exp2, expm1, log2, log10, log1p, rsqrt, square, reciprocal,
  erf, erfc, erfinv, floor, ceil, round, trunc, frac, isnan, isinf, isfinite,
  atan2, fmod, remainder, floorDivide, hypot, copysign, logaddexp, lerp, isclose, allclose, nanToNum,
  prod, cumsum, cumprod, logcumsumexp, cummax, cummin, sort, argsort, topk,
  split, chunk, unflatten, flip, roll, tile, repeat, repeatInterleave, pad, tril, triu, diag, diagonal, trace,
  indexSelect, scatter, scatterAdd, indexAdd, maskedFill, maskedSelect, index,
};

const written: Pick<TensorMethods, Exclude<Written, 'T'>> & ThisType<Tensor> = {
  bool() { return astype(this, 'bool'); },
  byte() { return astype(this, 'uint8'); },
  where(cond, other) { return where(cond, this, other); },
  // one body for each of median's and nonzero's two overloads
  median: function (this: Tensor, axis?: number, keepdims?: boolean) {
    return axis === undefined ? median(this) : median(this, axis, keepdims);
  } as TensorMethods['median'],
  nonzero: function (this: Tensor, options?: { asTuple?: boolean }) {
    return options?.asTuple ? nonzero(this, { asTuple: true }) : nonzero(this);
  } as TensorMethods['nonzero'],
};

// Defined as class methods are (not enumerable), so tensors print and compare as before.
const methods: Record<string, unknown> = { ...written };
for (const [name, op] of Object.entries(ops) as [string, (x: Tensor, ...args: unknown[]) => unknown][]) {
  methods[name] = function (this: Tensor, ...args: unknown[]) {
    return op(this, ...args);
  };
}
for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor): Tensor { return transpose(this); },
  configurable: true,
  enumerable: false,
});
