// Activations composed from existing ops (so gradients of every order come for free), with PyTorch's values
// and PyTorch's gradients at the kinks.
import { ShapeError, ValueError } from '../errors.js';
import { fmt, normalizeAxis } from '../shape.js';
import { type GeluOptions, type Tensor } from '../tensor.js';

export type { GeluOptions };
import { along, asTensor, type Operand } from './op.js';
import { registerOp } from './registry.js';
import { add, div, eq, gt, lt, mul, neg, sub, where, minimum } from './arith.js';
import { abs, clip, exp, log, sigmoid, tanh } from './unary.js';
import { softmax } from './nnfunc.js';
import { slice } from './shape.js';
import { erf, log1p } from './math.js';

registerOp('silu', true);
/** x * sigmoid(x) (also called swish). */
export function silu(x: Operand): Tensor {
  const t = asTensor(x);
  return mul(t, sigmoid(t));
}

/**
 * alpha * (exp(x / inputScale) - 1) where x <= 0, else x. The exponent reads min(x, 0), so a large positive x
 * never puts an infinity (and a NaN gradient) into the branch that where() discards.
 */
function expLinear(t: Tensor, alpha: number, inputScale: number): Tensor {
  const pos = gt(t, 0);
  const negPart = where(pos, 0, t); // at x = 0 the gradient goes here, as PyTorch's (alpha at 0)
  return where(pos, t, mul(sub(exp(inputScale === 1 ? negPart : mul(negPart, inputScale)), 1), alpha));
}

function checkFinite(value: number, op: string, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValueError(`${op}: ${name} must be a finite number, got ${String(value)}`);
  return value;
}

registerOp('elu', true);
/** x where x > 0, else alpha * (exp(x) - 1). */
export function elu(x: Operand, alpha = 1): Tensor {
  return expLinear(asTensor(x), checkFinite(alpha, 'elu', 'alpha'), 1);
}

registerOp('celu', true);
/** x where x > 0, else alpha * (exp(x / alpha) - 1): elu made continuously differentiable for every alpha. */
export function celu(x: Operand, alpha = 1): Tensor {
  if (checkFinite(alpha, 'celu', 'alpha') === 0) throw new ValueError('celu: alpha must not be 0 (it divides x)');
  return expLinear(asTensor(x), alpha, 1 / alpha);
}

// SELU's constants (Klambauer et al. 2017), as PyTorch writes them
export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_SCALE = 1.0507009873554804934193349852946;

registerOp('selu', true);
/** scale * elu(x, alpha) with the self-normalizing constants alpha = 1.6733, scale = 1.0507. */
export function selu(x: Operand): Tensor {
  return mul(expLinear(asTensor(x), SELU_ALPHA, 1), SELU_SCALE);
}

registerOp('hardtanh', true);
/**
 * x limited to [minVal, maxVal]. Unlike clip, the gradient is 0 at the bounds themselves (PyTorch's
 * hardtanh passes it only strictly inside).
 */
export function hardtanh(x: Operand, minVal = -1, maxVal = 1): Tensor {
  const t = asTensor(x);
  checkFinite(minVal, 'hardtanh', 'minVal');
  checkFinite(maxVal, 'hardtanh', 'maxVal');
  if (minVal > maxVal) throw new ValueError(`hardtanh: minVal (${minVal}) must not be greater than maxVal (${maxVal})`);
  return where(mul(gt(t, minVal), lt(t, maxVal)), t, clip(t.detach(), minVal, maxVal));
}

registerOp('relu6', true);
/** min(max(x, 0), 6): hardtanh(x, 0, 6), so the gradient is 0 at 0 and at 6. */
export function relu6(x: Operand): Tensor {
  return hardtanh(x, 0, 6);
}

registerOp('hardsigmoid', true);
/** (x + 3) / 6 limited to [0, 1]; the gradient is 1/6 strictly inside (-3, 3), else 0 (as PyTorch). */
export function hardsigmoid(x: Operand): Tensor {
  const t = asTensor(x);
  return div(hardtanh(add(t, 3), 0, 6), 6);
}

registerOp('hardswish', true);
/** x * relu6(x + 3) / 6; at -3 and 3 the gradient is -0.5 and 1.5 (PyTorch's). */
export function hardswish(x: Operand): Tensor {
  const t = asTensor(x);
  return div(mul(t, clip(add(t, 3), 0, 6)), 6);
}

/**
 * log(1 + e) for e in [0, 1], to full precision without a log1p kernel: with u = 1 + e rounded,
 * log(u) * e / (u - 1) corrects the rounding of u (Goldberg's trick; exact e where u rounds to 1).
 */
function log1pSmall(e: Tensor): Tensor {
  const u = add(e, 1);
  const same = eq(u, 1);
  return where(same, e, div(mul(log(u), e), where(same, 1, sub(u, 1))));
}

registerOp('logsigmoid', true);
/** log(sigmoid(x)), computed as min(x, 0) - log(1 + exp(-|x|)): no overflow, no rounding to 0 for large x. */
export function logsigmoid(x: Operand): Tensor {
  const t = asTensor(x);
  return sub(minimum(t, 0), log1pSmall(exp(neg(abs(t)))));
}

registerOp('softsign', true);
/** x / (1 + |x|). */
export function softsign(x: Operand): Tensor {
  const t = asTensor(x);
  return div(t, add(abs(t), 1));
}

registerOp('softmin', true);
/** softmax(-x) along axis. */
export function softmin(x: Tensor, axis = -1): Tensor {
  return softmax(neg(x), axis);
}

registerOp('glu', true);
/** The gated linear unit: x split in two halves a, b along axis (even length), a * sigmoid(b). */
export function glu(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'glu');
  const n = x.shape[a];
  if (n % 2 !== 0) throw new ShapeError(`glu: axis ${a} of shape ${fmt(x.shape)} must have an even length to split in halves, got ${n}`);
  const half = (start: number) => slice(x, along(x.shape, a, start, start + n / 2));
  return mul(half(0), sigmoid(half(n / 2)));
}

registerOp('gelu', true);
/**
 * The Gaussian error linear unit, x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2))). `approximate: 'tanh'` computes
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) instead.
 */
export function gelu(x: Operand, options: GeluOptions = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got ${String(approximate)}`);
  const t = asTensor(x);
  if (approximate === 'none') return mul(mul(t, 0.5), add(erf(mul(t, Math.SQRT1_2)), 1));
  const inner = mul(add(t, mul(mul(mul(t, t), t), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(t, 0.5), add(tanh(inner), 1));
}

registerOp('softplus', true);
/**
 * log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (PyTorch's defaults: beta 1, threshold 20).
 * The exponent reads beta x only below the threshold, so a large x puts no infinity into the discarded branch.
 */
export function softplus(x: Operand, beta = 1, threshold = 20): Tensor {
  checkFinite(beta, 'softplus', 'beta');
  if (beta === 0) throw new ValueError('softplus: beta must not be 0 (it divides the result)');
  checkFinite(threshold, 'softplus', 'threshold');
  const t = asTensor(x);
  const bx = beta === 1 ? t : mul(t, beta);
  const linear = gt(bx, threshold);
  const soft = log1p(exp(where(linear, 0, bx)));
  return where(linear, t, beta === 1 ? soft : div(soft, beta));
}

registerOp('mish', true);
/** x * tanh(softplus(x)). */
export function mish(x: Operand): Tensor {
  const t = asTensor(x);
  return mul(t, tanh(softplus(t)));
}
