// The JS backend: every Backend entry, as the plain loops of this folder. The oracle the other backends match.
import type { Backend, BinaryKernel } from './backend.js';
import * as E from './elementwise.js';
import * as M from './math.js';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from './losses.js';
import { copyBlock, gather, permute, scatterAdd, stridedAdd, stridedCopy, take, takeAdd } from './layout.js';
import { matmulJs } from './matmul.js';
import { col2im, im2col } from './conv.js';
import { adagradStep, adamStep, rmspropStep, sgdStep } from './optim.js';
import { argExtremumAxis, extremumAxis, sumAxis } from './reduce.js';
import { cumExtremumAxis, cumprodAxis, cumsumAxis, logcumsumexpAxis, medianAxis, prodAxis, sortAxis } from './scan.js';
import { countNonzero, nonzeroPositions, unravel } from './select.js';

/** A broadcasting binary kernel from a row kernel. */
const broadcasting = (row: E.BinaryRow): BinaryKernel => (a, aShape, b, bShape, out, outShape) =>
  E.binary(row, a, aShape, b, bShape, out, outShape);

export const jsBackend: Backend = {
  name: 'js',
  add: broadcasting(E.addRow),
  sub: broadcasting(E.subRow),
  mul: broadcasting(E.mulRow),
  div: broadcasting(E.divRow),
  pow: broadcasting(E.powRow),
  maximum: broadcasting(E.maximumRow),
  minimum: broadcasting(E.minimumRow),
  eq: broadcasting(E.eqRow),
  ne: broadcasting(E.neRow),
  gt: broadcasting(E.gtRow),
  ge: broadcasting(E.geRow),
  lt: broadcasting(E.ltRow),
  le: broadcasting(E.leRow),
  atan2: broadcasting(M.atan2Row),
  fmod: broadcasting(M.fmodRow),
  remainder: broadcasting(M.remainderRow),
  floorDivide: broadcasting(M.floorDivideRow),
  hypot: broadcasting(M.hypotRow),
  copysign: broadcasting(M.copysignRow),
  neg: E.neg,
  exp: E.exp,
  log: E.log,
  sqrt: E.sqrt,
  abs: E.abs,
  sign: E.sign,
  relu: E.relu,
  sigmoid: E.sigmoid,
  tanh: E.tanh,
  step: E.step,
  sin: M.sin, cos: M.cos, tan: M.tan, asin: M.asin, acos: M.acos, atan: M.atan,
  sinh: M.sinh, cosh: M.cosh, asinh: M.asinh, acosh: M.acosh, atanh: M.atanh,
  exp2: M.exp2, expm1: M.expm1, log2: M.log2, log10: M.log10, log1p: M.log1p, rsqrt: M.rsqrt, reciprocal: M.reciprocal,
  erf: M.erf, erfc: M.erfc, erfinv: M.erfinv, floor: M.floor, ceil: M.ceil, round: M.round, trunc: M.trunc,
  leakyRelu: E.leakyRelu,
  clip: E.clip,
  inRange: E.inRange,
  powScalar: E.powScalar,
  reluBackward: E.reluBackward,
  select: E.select,
  addRowsInPlace: E.addRowsInPlace,
  addInPlace: E.addInPlace,
  zeroNonFinite: E.zeroNonFinite,
  nonFiniteKinds: E.nonFiniteKinds,
  firstNonFinite: E.firstNonFinite,
  arange: E.arange,
  linspace: E.linspace,
  eye: E.eye,
  oneHot: E.oneHot,
  dropoutMask: E.dropoutMask,
  sumAxis,
  extremumAxis,
  argExtremumAxis,
  prodAxis,
  cumsumAxis,
  cumprodAxis,
  logcumsumexpAxis,
  cumExtremumAxis,
  sortAxis,
  medianAxis,
  permute,
  stridedCopy,
  stridedAdd,
  copyBlock,
  gather,
  scatterAdd,
  take,
  takeAdd,
  im2col,
  col2im,
  countNonzero,
  nonzeroPositions,
  unravel,
  matmul: matmulJs,
  sgdStep,
  adagradStep,
  rmspropStep,
  adamStep,
  softmaxCrossEntropy,
  softmaxCrossEntropyBackward,
};
