// Elementwise math kernels: the trigonometric, hyperbolic, exponential and rounding functions, the error function
// family (special.ts), and the binary ones (atan2, fmod, remainder, floorDivide, hypot, copysign). A float32 out
// rounds each double result once on store, as the other unary kernels do.
import type { TypedArray } from '../dtype.js';
import type { Backend, UnaryKernel } from './backend.js';
import { type BinaryRow, broadcasting } from './elementwise.js';
import { erfScalar, erfcScalar, erfinvScalar } from './special.js';
import * as libm from './libm.js';

/** A unary kernel from a scalar function. */
const map = (f: (v: number) => number): UnaryKernel => (x: TypedArray, out: TypedArray) => {
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
};

/** A binary row kernel from a scalar function. */
const row = (f: (a: number, b: number) => number): BinaryRow => (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = f(a[ai + k * sa], b[bi + k * sb]);
};

/** numpy's and PyTorch's rounding: to the nearest integer, halves to the even one. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v); // halves up
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** C's fmod: the remainder of truncated division, with the sign of a (JavaScript's %). */
const fmodScalar = (a: number, b: number) => a % b;

/** Python's modulo (PyTorch's remainder): the sign of b. */
function remainderScalar(a: number, b: number): number {
  const m = a % b;
  return m !== 0 && m < 0 !== b < 0 ? m + b : m;
}

/** |a| with the sign bit of b (-0 counts as negative). */
const copysignScalar = (a: number, b: number) => (b < 0 || Object.is(b, -0) ? -Math.abs(a) : Math.abs(a));

/** floor(a / b) as PyTorch computes it for floats (from fmod, so that a = b * q + r holds as exactly as it can). */
function floorDivideScalar(a: number, b: number): number {
  if (b === 0) return a / b;
  const m = a % b;
  let div = (a - m) / b;
  if (m !== 0 && b < 0 !== m < 0) div -= 1;
  if (div === 0) return copysignScalar(0, a / b);
  const f = Math.floor(div);
  return div - f > 0.5 ? f + 1 : f;
}

/** The JS backend's math entries (kernels/js.ts), each from its scalar function. */
export const mathKernels = {
  sin: map(libm.sin),
  cos: map(libm.cos),
  tan: map(libm.tan),
  asin: map(libm.asin),
  acos: map(libm.acos),
  atan: map(libm.atan),
  sinh: map(libm.sinh),
  cosh: map(libm.cosh),
  asinh: map(libm.asinh),
  acosh: map(libm.acosh),
  atanh: map(libm.atanh),
  exp2: map(libm.exp2),
  expm1: map(libm.expm1),
  log2: map(libm.log2),
  log10: map(libm.log10),
  log1p: map(libm.log1p),
  rsqrt: map((v) => 1 / Math.sqrt(v)),
  reciprocal: map((v) => 1 / v),
  erf: map(erfScalar),
  erfc: map(erfcScalar),
  erfinv: map(erfinvScalar),
  floor: map(Math.floor),
  ceil: map(Math.ceil),
  round: map(roundHalfEven),
  trunc: map(Math.trunc),
  atan2: broadcasting(row(libm.atan2)),
  fmod: broadcasting(row(fmodScalar)),
  remainder: broadcasting(row(remainderScalar)),
  floorDivide: broadcasting(row(floorDivideScalar)),
  hypot: broadcasting(row(libm.hypot)),
  copysign: broadcasting(row(copysignScalar)),
} satisfies Partial<Backend>;
