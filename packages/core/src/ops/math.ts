// Elementwise math beyond the basics: trigonometric, hyperbolic, exponential and logarithmic functions, the error
// function family, rounding, the binary ones (atan2, fmod, remainder, floorDivide, hypot, copysign, lerp,
// logaddexp) and the float predicates (isnan, isinf, isfinite, isclose, allclose) with nanToNum. Each derivative
// is written with ops, so gradients of every order work.
import { type DType, getDefaultDtype, isFloat } from '../dtype.js';
import { ValueError } from '../errors.js';
import { type IsCloseOptions, type NanToNumOptions, type Tensor } from '../tensor.js';

export type { IsCloseOptions, NanToNumOptions };
import { noGrad, record } from '../autograd.js';
import { asTensor, defineBinary, defineUnary, operands, sumToShape, type BinarySpec, type Operand } from './op.js';
import { registerOp } from './registry.js';
import { abs, exp, sign } from './unary.js';
import { add, div, eq, le, maximum, mul, ne, neg, sub, where } from './arith.js';
import { all } from './statistics.js';

const toFloat = (d: DType): DType => (isFloat(d) ? d : getDefaultDtype());
const sq = (x: Tensor) => mul(x, x);
const float = true;

export const sin = defineUnary('sin', { float, dx: (g, x) => mul(g, cos(x)) });
export const cos = defineUnary('cos', { float, dx: (g, x) => neg(mul(g, sin(x))) });
export const tan = defineUnary('tan', { float, dx: (g, x, out) => mul(g, add(sq(out), 1)) });
export const asin = defineUnary('asin', { float, dx: (g, x) => mul(g, rsqrt(sub(1, sq(x)))) });
export const acos = defineUnary('acos', { float, dx: (g, x) => neg(mul(g, rsqrt(sub(1, sq(x))))) });
export const atan = defineUnary('atan', { float, dx: (g, x) => div(g, add(sq(x), 1)) });
export const sinh = defineUnary('sinh', { float, dx: (g, x) => mul(g, cosh(x)) });
export const cosh = defineUnary('cosh', { float, dx: (g, x) => mul(g, sinh(x)) });
export const asinh = defineUnary('asinh', { float, dx: (g, x) => mul(g, rsqrt(add(sq(x), 1))) });
export const acosh = defineUnary('acosh', { float, dx: (g, x) => mul(g, rsqrt(sub(sq(x), 1))) });
export const atanh = defineUnary('atanh', { float, dx: (g, x) => div(g, sub(1, sq(x))) });
export const exp2 = defineUnary('exp2', { float, dx: (g, x, out) => mul(g, mul(out, Math.LN2)) });
/** e^x - 1, accurate for small x. */
export const expm1 = defineUnary('expm1', { float, dx: (g, x, out) => mul(g, add(out, 1)) });
export const log2 = defineUnary('log2', { float, dx: (g, x) => div(g, mul(x, Math.LN2)) });
export const log10 = defineUnary('log10', { float, dx: (g, x) => div(g, mul(x, Math.LN10)) });
/** log(1 + x), accurate for small x. */
export const log1p = defineUnary('log1p', { float, dx: (g, x) => div(g, add(x, 1)) });
/** 1 / sqrt(x). */
export const rsqrt = defineUnary('rsqrt', { float, dx: (g, x, out) => mul(g, mul(mul(sq(out), out), -0.5)) });
/** 1 / x (a float result for int x, as PyTorch). */
export const reciprocal = defineUnary('reciprocal', { float, dx: (g, x, out) => neg(mul(g, sq(out))) });

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
/** The error function, 2/sqrt(pi) times the integral of e^(-t^2) from 0 to x (to ~1 ulp in float64). */
export const erf = defineUnary('erf', { float, dx: (g, x) => mul(g, mul(exp(neg(sq(x))), TWO_OVER_SQRT_PI)) });
/** 1 - erf(x), without the cancellation for large x. */
export const erfc = defineUnary('erfc', { float, dx: (g, x) => mul(g, mul(exp(neg(sq(x))), -TWO_OVER_SQRT_PI)) });
/** The inverse of erf on [-1, 1] (±Infinity at ±1, NaN outside). */
export const erfinv = defineUnary('erfinv', { float, dx: (g, x, out) => mul(g, mul(exp(sq(out)), Math.sqrt(Math.PI) / 2)) });

// Rounding keeps the dtype and passes no gradient (it is zero almost everywhere; as sign and step here).
export const floor = defineUnary('floor');
export const ceil = defineUnary('ceil');
const roundOp = defineUnary('round');
/**
 * To the nearest integer, halves to the even one (numpy's and PyTorch's round: round(2.5) is 2); with `decimals`,
 * to that many decimal places as PyTorch's `round(x, decimals=n)`: round(x * 10^n) / 10^n in x's dtype (n < 0:
 * round(x / 10^-n) * 10^-n, to tens, hundreds, ...). Int dtypes stay int (n < 0 rounds them through float64).
 */
export function round(x: Operand, decimals = 0): Tensor {
  if (!Number.isInteger(decimals)) throw new ValueError(`round: decimals must be an integer, got ${decimals}`);
  const t = asTensor(x);
  if (decimals === 0) return roundOp(t);
  if (!isFloat(t.dtype)) return decimals > 0 ? roundOp(t) : round(t.astype('float64'), decimals).astype(t.dtype);
  const scale = 10 ** Math.abs(decimals);
  return decimals > 0 ? div(roundOp(mul(t, scale)), scale) : mul(roundOp(div(t, scale)), scale);
}
/** Towards zero. */
export const trunc = defineUnary('trunc');

registerOp('square', true);
/** x * x (keeps int dtypes). */
export function square(x: Operand): Tensor {
  const t = asTensor(x);
  return mul(t, t);
}

registerOp('frac', true);
/** x - trunc(x): the fractional part, with x's sign; its gradient is 1. */
export function frac(x: Operand): Tensor {
  const t = asTensor(x);
  return sub(t, trunc(t));
}

/** A division op that throws for an int divisor with a 0 (PyTorch raises too; a float one gives NaN or inf). */
function intDivision(name: 'fmod' | 'remainder' | 'floorDivide', spec?: BinarySpec): (a: Operand, b: Operand) => Tensor {
  const op = defineBinary(name, spec);
  return (a, b) => {
    const divisor = operands(a, b)[1];
    if (!isFloat(divisor.dtype) && divisor.data.includes(0)) throw new ValueError(`${name}: integer division by zero (the divisor has a 0; use float tensors for NaN/inf results)`);
    return op(a, b);
  };
}

export const atan2 = defineBinary('atan2', {
  dtype: toFloat,
  da: (g, a, b) => div(mul(g, b), add(sq(a), sq(b))),
  db: (g, a, b) => div(mul(g, neg(a)), add(sq(a), sq(b))),
});

/** C's fmod: a - trunc(a / b) * b, with the sign of a (int32 stays int32; an int divisor of 0 is an error). */
export const fmod = intDivision('fmod', {
  da: (g) => g,
  db: (g, a, b) => neg(mul(g, trunc(div(a, b)))),
});

/** Python's a % b (PyTorch's remainder, numpy's mod): a - floor(a / b) * b, with the sign of b. */
export const remainder = intDivision('remainder', {
  da: (g) => g,
  db: (g, a, b) => neg(mul(g, floor(div(a, b)))),
});

/** floor(a / b) (Python's //): int32 for int operands, no gradient. */
export const floorDivide = intDivision('floorDivide');

/** sqrt(a^2 + b^2) without overflow or underflow in the squares. */
export const hypot = defineBinary('hypot', {
  dtype: toFloat,
  da: (g, a, b, out) => mul(g, div(a, out)),
  db: (g, a, b, out) => mul(g, div(b, out)),
});

/** |a| with the sign of b (-0 counts as negative); b gets a zero gradient, a gets sign(a) sign(b) (0 at a = 0), as PyTorch. */
export const copysign = defineBinary('copysign', {
  dtype: toFloat,
  da: (g, a, b, out) => mul(g, mul(sign(a), sign(out))),
  db: (g) => mul(g, 0),
});

registerOp('lerp', true);
/** start + weight * (end - start), weight a number or a tensor (broadcast with both). */
export function lerp(start: Operand, end: Operand, weight: Operand): Tensor {
  const [s, e] = operands(start, end);
  return add(s, mul(weight, sub(e, s)));
}

const LOGADDEXP_OP = registerOp('logaddexp', true);
/** log(e^a + e^b), computed without overflow: max(a, b) + log1p(e^-|a - b|); -inf when both are -inf. */
export function logaddexp(a: Operand, b: Operand): Tensor {
  const [ta, tb] = operands(a, b);
  const out = noGrad(() => {
    const m = maximum(ta, tb);
    const same = eq(ta, tb); // equal infinities have no difference to take
    const d = where(same, 0, abs(sub(ta, tb)));
    return where(mul(same, isinf(ta)), m, add(m, log1p(exp(neg(d)))));
  });
  // d/da = e^(a - out), smooth where a = b too (a composed max and |a - b| would lose the curvature there)
  return record(LOGADDEXP_OP, out, [ta, tb], (g) => [
    ta.requiresGrad ? sumToShape(mul(g, exp(sub(ta, out))), ta.shape) : null,
    tb.requiresGrad ? sumToShape(mul(g, exp(sub(tb, out))), tb.shape) : null,
  ]);
}

registerOp('isnan', false);
/** 1 where x is NaN, else 0 (int32). */
export function isnan(x: Operand): Tensor {
  const t = asTensor(x);
  return ne(t, t);
}

registerOp('isinf', false);
/** 1 where x is +Infinity or -Infinity, else 0 (int32). */
export function isinf(x: Operand): Tensor {
  return eq(abs(asTensor(x)), Infinity);
}

registerOp('isfinite', false);
/** 1 where x is neither NaN nor infinite, else 0 (int32): x - x is 0 exactly there. */
export function isfinite(x: Operand): Tensor {
  const t = asTensor(x);
  return eq(sub(t, t), 0);
}


function tolerances(op: string, options: IsCloseOptions): { rtol: number; atol: number; equalNan: boolean } {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = options;
  for (const [name, v] of [['rtol', rtol], ['atol', atol]] as const) {
    if (typeof v !== 'number' || !(v >= 0)) throw new ValueError(`${op}: ${name} must be a number >= 0, got ${String(v)}`);
  }
  return { rtol, atol, equalNan };
}

registerOp('isclose', false);
/**
 * 1 where |a - b| <= atol + rtol * |b| (PyTorch's and numpy's rule, not symmetric in a and b), or a == b (equal
 * infinities), or both are NaN and equalNan; else 0 (int32).
 */
export function isclose(a: Operand, b: Operand, options: IsCloseOptions = {}): Tensor {
  const { rtol, atol, equalNan } = tolerances('isclose', options);
  const [ta, tb] = operands(a, b);
  const diff = sub(ta, tb);
  const close = mul(le(abs(diff), add(mul(abs(tb), rtol), atol)), isfinite(diff)); // inf - -inf is not within any tolerance
  const equal = eq(ta, tb);
  const hit = maximum(close, equal);
  return equalNan ? maximum(hit, mul(isnan(ta), isnan(tb))) : hit;
}

/** Whether every element of a is close to b's (isclose; shapes broadcast), as a boolean. */
export function allclose(a: Operand, b: Operand, options: IsCloseOptions = {}): boolean {
  return all(isclose(a, b, options)).item() !== 0;
}


const FLOAT32_MAX = 3.4028234663852886e38;

registerOp('nanToNum', true);
/** x with NaN and the infinities replaced by finite numbers (the gradient passes where x is finite, as PyTorch). */
export function nanToNum(x: Operand, options: NanToNumOptions = {}): Tensor {
  const t = asTensor(x);
  if (!isFloat(t.dtype)) return t.clone();
  const big = t.dtype === 'float32' ? FLOAT32_MAX : Number.MAX_VALUE;
  const { nan = 0, posinf = big, neginf = -big } = options;
  return where(isnan(t), nan, where(eq(t, Infinity), posinf, where(eq(t, -Infinity), neginf, t)));
}
