// Elementwise functions and activations, each with its derivative.
import { getDefaultDtype, isFloat, promote } from '../dtype.js';
import { type BackwardContext, record } from '../autograd.js';
import { alloc, type Tensor } from '../tensor.js';
import { backend } from '../backend.js';
import { DTypeError, ValueError } from '../errors.js';
import { defineUnary, asTensor, unaryApply, type Operand } from './op.js';
import { registerOp } from './registry.js';
import { mul, div, sub, where, gt } from './arith.js';

export const exp = defineUnary('exp', { float: true, dx: (g, x, out) => mul(g, out) });
export const log = defineUnary('log', { float: true, dx: (g, x) => div(g, x) });
export const sqrt = defineUnary('sqrt', { float: true, dx: (g, x, out) => div(g, mul(out, 2)) });
/** The derivative at 0 is taken as 0 (the subgradient PyTorch uses). */
export const abs = defineUnary('abs', { dx: (g, x) => mul(g, sign(x)) });
/** -1, 0 or 1. No gradient (it is zero almost everywhere). */
export const sign = defineUnary('sign');
/** max(x, 0); the derivative at 0 is taken as 0, as the notebook's backward does. */
export const relu = defineUnary('relu', { dx: (g, x, out, ctx) => reluBackward(x, g, ctx) });
export const sigmoid = defineUnary('sigmoid', { float: true, dx: (g, x, out) => mul(g, mul(out, sub(1, out))) });
export const tanh = defineUnary('tanh', { float: true, dx: (g, x, out) => mul(g, sub(1, mul(out, out))) });
/**
 * Heaviside step: 1 where x > 0, else 0. Forward only: its derivative is zero wherever it exists, so no
 * gradient flows through it (the output never requires grad).
 */
export const step = defineUnary('step');

const RELU_BACKWARD_OP = registerOp('reluBackward', true);
/**
 * relu's backward in one pass: g where x > 0, else g * 0, the values of mul(g, step(x)) without the mask
 * tensor; into g itself when the walk hands g over (ctx.owned), and handed back to the walk as fresh. Linear in
 * g, so its own backward is itself; x gets no gradient (the mask is flat almost everywhere).
 */
function reluBackward(x: Tensor, g: Tensor, ctx: BackwardContext): Tensor {
  const out = ctx.owned && g.dtype === x.dtype ? g : alloc(g.shape, promote(g.dtype, x.dtype));
  backend().reluBackward(x.data, g.data, out.data);
  return ctx.fresh(record(RELU_BACKWARD_OP, out, [g], (gg, c) => [reluBackward(x, gg, c)]));
}

const LEAKY_RELU_OP = registerOp('leakyRelu', true);
/** x where x > 0, else slope * x. Float tensors only: on ints, slope * x would be truncated (PyTorch refuses it too). */
export function leakyRelu(x: Operand, slope = 0.01): Tensor {
  const t = asTensor(x);
  if (!isFloat(t.dtype)) throw new DTypeError(`leakyRelu: needs a float tensor, got ${t.dtype} (cast first: x.astype('float32'))`);
  // g * slope in g's dtype: a mask built from the numbers 1 and slope would be float32 (slope rounded)
  return unaryApply(LEAKY_RELU_OP, t, t.dtype, (src, out) => backend().leakyRelu(src, out, slope), (g, xi) =>
    where(gt(xi, 0), g, mul(g, slope)),
  );
}

const CLIP_OP = registerOp('clip', true);
/**
 * Limits values to [min, max] (numpy's clip, PyTorch's clamp): a null or undefined bound is no bound, and
 * min > max gives max everywhere. The gradient passes where min <= x <= max (at the bounds too, as PyTorch).
 * An int, uint8 or bool tensor with a given bound that is not an integer (0.5, Infinity) is clipped as a float
 * of the default dtype, as PyTorch does.
 */
export function clip(x: Operand, min?: number | null, max?: number | null): Tensor {
  const lo = bound(min, -Infinity, 'min'), hi = bound(max, Infinity, 'max');
  const x0 = asTensor(x);
  const fractional = (v: number | null | undefined) => v !== null && v !== undefined && !Number.isInteger(v);
  const t = !isFloat(x0.dtype) && (fractional(min) || fractional(max)) ? x0.astype(getDefaultDtype()) : x0;
  return unaryApply(CLIP_OP, t, t.dtype, (src, out) => backend().clip(src, out, lo, hi), (g, xi) => {
    const pass = alloc(xi.shape, xi.dtype);
    backend().inRange(xi.data, pass.data, lo, hi);
    return mul(g, pass);
  });
}

function bound(v: number | null | undefined, none: number, name: string): number {
  if (v === null || v === undefined) return none;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ValueError(`clip: ${name} must be a number, null or undefined (no bound), got ${String(v)}`);
  return v;
}
