// The ops as Tensor methods (x.add(y) is add(x, y)), attached to Tensor's prototype from this side so that
// tensor.ts imports no op (as TensorFlow.js chains its ops). Their types are TensorMethods in tensor.ts: the
// object below must define every one of them, each with that signature, or the compiler says which.
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

/** x.name(...args) is op(x, ...args): the method for most ops. */
function method<A extends readonly unknown[], R>(op: (x: Tensor, ...args: A) => R): (this: Tensor, ...args: A) => R {
  return function (this: Tensor, ...args: A): R {
    return op(this, ...args);
  };
}

const methods: Omit<TensorMethods, 'T'> & ThisType<Tensor> = {
  astype: method(astype),
  clone: method(clone),
  add: method(add),
  sub: method(sub),
  mul: method(mul),
  div: method(div),
  pow: method(pow),
  maximum: method(maximum),
  minimum: method(minimum),
  neg: method(neg),
  exp: method(exp),
  log: method(log),
  sqrt: method(sqrt),
  abs: method(abs),
  sign: method(sign),
  relu: method(relu),
  leakyRelu: method(leakyRelu),
  sigmoid: method(sigmoid),
  tanh: method(tanh),
  step: method(step),
  clip: method(clip),
  eq: method(eq),
  ne: method(ne),
  gt: method(gt),
  ge: method(ge),
  lt: method(lt),
  le: method(le),
  logicalNot: method(logicalNot),
  logicalAnd: method(logicalAnd),
  logicalOr: method(logicalOr),
  logicalXor: method(logicalXor),
  bool() { return astype(this, 'bool'); },
  byte() { return astype(this, 'uint8'); },
  sum: method(sum),
  mean: method(mean),
  max: method(max),
  min: method(min),
  logsumexp: method(logsumexp),
  argmax: method(argmax),
  argmin: method(argmin),
  softmax: method(softmax),
  logSoftmax: method(logSoftmax),
  matmul: method(matmul),
  dot: method(matmul),
  reshape: method(reshape),
  flatten: method(flatten),
  squeeze: method(squeeze),
  unsqueeze: method(unsqueeze),
  expand: method(broadcastTo),
  broadcastTo: method(broadcastTo),
  transpose: method(transpose),
  permute: method(permute),
  swapaxes: method(swapaxes),
  slice: method(slice),
  gather: method(gather),
  take: method(take),
  pick: method(pick),
  where(cond, other) { return where(cond, this, other); },

  // the composed ops
  var: method(variance),
  std: method(std),
  varMean: method(varMean),
  stdMean: method(stdMean),
  norm: method(norm),
  any: method(any),
  all: method(all),
  countNonzero: method(countNonzero),
  silu: method(silu),
  elu: method(elu),
  celu: method(celu),
  selu: method(selu),
  hardtanh: method(hardtanh),
  relu6: method(relu6),
  hardsigmoid: method(hardsigmoid),
  hardswish: method(hardswish),
  logsigmoid: method(logsigmoid),
  softsign: method(softsign),
  softmin: method(softmin),
  glu: method(glu),
  gelu: method(gelu),
  softplus: method(softplus),
  mish: method(mish),
  sin: method(sin),
  cos: method(cos),
  tan: method(tan),
  asin: method(asin),
  acos: method(acos),
  atan: method(atan),
  sinh: method(sinh),
  cosh: method(cosh),
  asinh: method(asinh),
  acosh: method(acosh),
  atanh: method(atanh),
  exp2: method(exp2),
  expm1: method(expm1),
  log2: method(log2),
  log10: method(log10),
  log1p: method(log1p),
  rsqrt: method(rsqrt),
  square: method(square),
  reciprocal: method(reciprocal),
  erf: method(erf),
  erfc: method(erfc),
  erfinv: method(erfinv),
  floor: method(floor),
  ceil: method(ceil),
  round: method(round),
  trunc: method(trunc),
  frac: method(frac),
  isnan: method(isnan),
  isinf: method(isinf),
  isfinite: method(isfinite),
  atan2: method(atan2),
  fmod: method(fmod),
  remainder: method(remainder),
  floorDivide: method(floorDivide),
  hypot: method(hypot),
  copysign: method(copysign),
  logaddexp: method(logaddexp),
  lerp: method(lerp),
  isclose: method(isclose),
  allclose: method(allclose),
  nanToNum: method(nanToNum),
  prod: method(prod),
  cumsum: method(cumsum),
  cumprod: method(cumprod),
  logcumsumexp: method(logcumsumexp),
  cummax: method(cummax),
  cummin: method(cummin),
  sort: method(sort),
  argsort: method(argsort),
  topk: method(topk),
  median: function (this: Tensor, axis?: number, keepdims?: boolean) {
    return axis === undefined ? median(this) : median(this, axis, keepdims);
  } as TensorMethods['median'],
  split: method(split),
  chunk: method(chunk),
  unflatten: method(unflatten),
  flip: method(flip),
  roll: method(roll),
  tile: method(tile),
  repeat: method(repeat),
  repeatInterleave: method(repeatInterleave),
  pad: method(pad),
  tril: method(tril),
  triu: method(triu),
  diag: method(diag),
  diagonal: method(diagonal),
  trace: method(trace),
  indexSelect: method(indexSelect),
  scatter: method(scatter),
  scatterAdd: method(scatterAdd),
  indexAdd: method(indexAdd),
  maskedFill: method(maskedFill),
  maskedSelect: method(maskedSelect),
  // one body for nonzero's two overloads
  nonzero: function (this: Tensor, options?: { asTuple?: boolean }) {
    return options?.asTuple ? nonzero(this, { asTuple: true }) : nonzero(this);
  } as TensorMethods['nonzero'],
  index: method(index),
};

// Defined as class methods are (not enumerable), so tensors print and compare as before.
for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor): Tensor { return transpose(this); },
  configurable: true,
  enumerable: false,
});
