// Softmax and log-softmax along an axis, numerically stable, with their own compact backward; linear (x @ w + b).
import { record } from '../autograd.js';
import { normalizeAxis } from '../shape.js';
import { alloc, type Tensor } from '../tensor.js';
import { backend } from '../backend.js';
import { matmulPrecision } from '../settings.js';
import { checkTensor, sumToShape } from './op.js';
import { registerOp } from './registry.js';
import { add, sub, mul, div } from './arith.js';
import { exp } from './unary.js';
import { sum, max, logsumexp } from './reduce.js';
import { matmul } from './linalg.js';
import { transpose } from './shape.js';

const SOFTMAX_OP = registerOp('softmax', true);
/** exp(x) / sum(exp(x)) along axis, computed on x - max(x) so large values cannot overflow. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'softmax');
  const e = exp(sub(x.detach(), x.size === 0 ? 0 : max(x.detach(), a, true)));
  const out = div(e, sum(e, a, true));
  // d softmax: y * (g - sum(g * y))
  return record(SOFTMAX_OP, out, [x], (g) => [mul(out, sub(g, sum(mul(g, out), a, true)))]);
}

const LOG_SOFTMAX_OP = registerOp('logSoftmax', true);
/** x - logsumexp(x) along axis. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'logSoftmax');
  const out = sub(x.detach(), logsumexp(x.detach(), a, true));
  // d logSoftmax: g - softmax * sum(g)
  return record(LOG_SOFTMAX_OP, out, [x], (g) => [sub(g, mul(exp(out), sum(g, a, true)))]);
}

const LINEAR_OP = registerOp('linear', true);
/**
 * x @ w + b, a dense layer's output. For x [n, k], w [k, m] and b [m] or [1, m] of one dtype, the bias is added
 * in place into the product (one output, one node; the values of matmul then add); other operands take
 * add(matmul(x, w), b).
 */
export function linear(x: Tensor, w: Tensor, b: Tensor): Tensor {
  checkTensor(x, 'linear', 'the input x');
  checkTensor(w, 'linear', 'the weights w');
  checkTensor(b, 'linear', 'the bias b');
  const n = x.shape[0], k = x.shape[1], m = w.shape[1];
  const fused =
    x.ndim === 2 && w.ndim === 2 && w.shape[0] === k && b.size === m && (b.ndim === 1 || (b.ndim === 2 && b.shape[0] === 1)) &&
    x.dtype === w.dtype && b.dtype === w.dtype;
  if (!fused) return add(matmul(x, w), b);
  const out = alloc([n, m], x.dtype);
  backend().matmul(x.data, 0, false, w.data, 0, false, out.data, 0, n, k, m, matmulPrecision());
  backend().addRowsInPlace(out.data, b.data, n, m);
  return record(LINEAR_OP, out, [x, w, b], (g, ctx) => {
    if (ctx.createGraph) {
      // createGraph: the same values through recorded ops, so the gradients are differentiable again
      return [
        x.requiresGrad ? matmul(g, transpose(w)) : null,
        w.requiresGrad ? matmul(transpose(x), g) : null,
        b.requiresGrad ? sumToShape(g, b.shape) : null,
      ];
    }
    // as matmul's backward computes them (transposes are kernel flags) and sum over axis 0 for b
    let gx: Tensor | null = null, gw: Tensor | null = null, gb: Tensor | null = null;
    if (x.requiresGrad) {
      gx = alloc([n, k], g.dtype);
      backend().matmul(g.data, 0, false, w.data, 0, true, gx.data, 0, n, m, k, matmulPrecision());
    }
    if (w.requiresGrad) {
      gw = alloc([k, m], g.dtype);
      backend().matmul(x.data, 0, true, g.data, 0, false, gw.data, 0, k, n, m, matmulPrecision());
    }
    if (b.requiresGrad) {
      gb = alloc(b.shape, g.dtype);
      backend().sumAxis(g.data, 1, n, m, gb.data);
    }
    return [gx && ctx.fresh(gx), gw && ctx.fresh(gw), gb && ctx.fresh(gb)];
  });
}
