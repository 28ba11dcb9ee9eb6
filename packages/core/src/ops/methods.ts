// The ops as Tensor methods (x.add(y) is add(x, y)), attached to Tensor's prototype from this side so that
// tensor.ts imports no op (as TensorFlow.js chains its ops). Their types are TensorMethods in tensor.ts: the
// object below must define every one of them, each with that signature, or the compiler says which.
import { Tensor, type TensorMethods } from '../tensor.js';
import { add, div, eq, ge, gt, le, lt, maximum, minimum, mul, ne, neg, pow, sub, where } from './arith.js';
import { astype, clone } from './creation.js';
import { gather, pick, take } from './indexing.js';
import { matmul } from './linalg.js';
import { logSoftmax, softmax } from './nnfunc.js';
import { argmax, argmin, logsumexp, max, mean, min, sum } from './reduce.js';
import { broadcastTo, flatten, permute, reshape, slice, squeeze, swapaxes, transpose, unsqueeze } from './shape.js';
import { all, any, countNonzero, norm, std, stdMean, variance, varMean } from './statistics.js';
import { celu, elu, gelu, glu, hardsigmoid, hardswish, hardtanh, logsigmoid, relu6, selu, silu, softmin, softsign } from './activation.js';
import {
  chunk, diag, diagonal, flip, index, indexAdd, indexSelect, maskedFill, maskedSelect, nonzero, pad, repeat, repeatInterleave, roll,
  scatter, scatterAdd, split, tile, trace, tril, triu, unflatten,
} from './manipulation.js';
import { abs, clip, exp, leakyRelu, log, relu, sigmoid, sign, sqrt, step, tanh } from './unary.js';

const methods: Omit<TensorMethods, 'T'> & ThisType<Tensor> = {
  astype(dtype) { return astype(this, dtype); },
  clone() { return clone(this); },
  add(other) { return add(this, other); },
  sub(other) { return sub(this, other); },
  mul(other) { return mul(this, other); },
  div(other) { return div(this, other); },
  pow(exponent) { return pow(this, exponent); },
  maximum(other) { return maximum(this, other); },
  minimum(other) { return minimum(this, other); },
  neg() { return neg(this); },
  exp() { return exp(this); },
  log() { return log(this); },
  sqrt() { return sqrt(this); },
  abs() { return abs(this); },
  sign() { return sign(this); },
  relu() { return relu(this); },
  leakyRelu(slope) { return leakyRelu(this, slope); },
  sigmoid() { return sigmoid(this); },
  tanh() { return tanh(this); },
  step() { return step(this); },
  clip(min, max) { return clip(this, min, max); },
  eq(other) { return eq(this, other); },
  ne(other) { return ne(this, other); },
  gt(other) { return gt(this, other); },
  ge(other) { return ge(this, other); },
  lt(other) { return lt(this, other); },
  le(other) { return le(this, other); },
  sum(axis, keepdims) { return sum(this, axis, keepdims); },
  mean(axis, keepdims) { return mean(this, axis, keepdims); },
  max(axis, keepdims) { return max(this, axis, keepdims); },
  min(axis, keepdims) { return min(this, axis, keepdims); },
  logsumexp(axis, keepdims) { return logsumexp(this, axis, keepdims); },
  argmax(axis, keepdims) { return argmax(this, axis, keepdims); },
  argmin(axis, keepdims) { return argmin(this, axis, keepdims); },
  softmax(axis) { return softmax(this, axis); },
  logSoftmax(axis) { return logSoftmax(this, axis); },
  matmul(other) { return matmul(this, other); },
  dot(other) { return matmul(this, other); },
  reshape(...shape) { return reshape(this, ...shape); },
  flatten(startAxis, endAxis) { return flatten(this, startAxis, endAxis); },
  squeeze(axis) { return squeeze(this, axis); },
  unsqueeze(axis) { return unsqueeze(this, axis); },
  expand(shape) { return broadcastTo(this, shape); },
  broadcastTo(shape) { return broadcastTo(this, shape); },
  transpose(...args) { return transpose(this, ...args); },
  permute(...axes) { return permute(this, ...axes); },
  swapaxes(a, b) { return swapaxes(this, a, b); },
  slice(specs) { return slice(this, specs); },
  gather(index, axis) { return gather(this, index, axis); },
  take(indices, axis) { return take(this, indices, axis); },
  pick(labels) { return pick(this, labels); },
  where(cond, other) { return where(cond, this, other); },

  // the composed ops
  var(axis, options) { return variance(this, axis, options); },
  std(axis, options) { return std(this, axis, options); },
  varMean(axis, options) { return varMean(this, axis, options); },
  stdMean(axis, options) { return stdMean(this, axis, options); },
  norm(p, axis, keepdims) { return norm(this, p, axis, keepdims); },
  any(axis, keepdims) { return any(this, axis, keepdims); },
  all(axis, keepdims) { return all(this, axis, keepdims); },
  countNonzero(axis, keepdims) { return countNonzero(this, axis, keepdims); },
  silu() { return silu(this); },
  elu(alpha) { return elu(this, alpha); },
  celu(alpha) { return celu(this, alpha); },
  selu() { return selu(this); },
  hardtanh(minVal, maxVal) { return hardtanh(this, minVal, maxVal); },
  relu6() { return relu6(this); },
  hardsigmoid() { return hardsigmoid(this); },
  hardswish() { return hardswish(this); },
  logsigmoid() { return logsigmoid(this); },
  softsign() { return softsign(this); },
  softmin(axis) { return softmin(this, axis); },
  glu(axis) { return glu(this, axis); },
  gelu(options) { return gelu(this, options); },
  split(sections, axis) { return split(this, sections, axis); },
  chunk(chunks, axis) { return chunk(this, chunks, axis); },
  unflatten(axis, sizes) { return unflatten(this, axis, sizes); },
  flip(axis) { return flip(this, axis); },
  roll(shifts, axis) { return roll(this, shifts, axis); },
  tile(reps) { return tile(this, reps); },
  repeat(...sizes) { return repeat(this, ...sizes); },
  repeatInterleave(repeats, axis) { return repeatInterleave(this, repeats, axis); },
  pad(widths, options) { return pad(this, widths, options); },
  tril(k) { return tril(this, k); },
  triu(k) { return triu(this, k); },
  diag(k) { return diag(this, k); },
  diagonal(offset, axis1, axis2) { return diagonal(this, offset, axis1, axis2); },
  trace() { return trace(this); },
  indexSelect(axis, index) { return indexSelect(this, axis, index); },
  scatter(axis, index, src) { return scatter(this, axis, index, src); },
  scatterAdd(axis, index, src) { return scatterAdd(this, axis, index, src); },
  indexAdd(axis, index, source, options) { return indexAdd(this, axis, index, source, options); },
  maskedFill(mask, value) { return maskedFill(this, mask, value); },
  maskedSelect(mask) { return maskedSelect(this, mask); },
  // one body for nonzero's two overloads
  nonzero: function (this: Tensor, options?: { asTuple?: boolean }) {
    return options?.asTuple ? nonzero(this, { asTuple: true }) : nonzero(this);
  } as TensorMethods['nonzero'],
  index(indices) { return index(this, indices); },
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
