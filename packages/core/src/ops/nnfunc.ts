// Softmax and log-softmax along an axis, numerically stable, with their own compact backward.
import { record } from '../autograd.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { registerOp } from './registry.js';
import { sub, mul, div } from './arith.js';
import { exp } from './unary.js';
import { sum, max, logsumexp } from './reduce.js';

registerOp('softmax', true);
/** exp(x) / sum(exp(x)) along axis, computed on x - max(x) so large values cannot overflow. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'softmax');
  const e = exp(sub(x.detach(), x.size === 0 ? 0 : max(x.detach(), a, true)));
  const out = div(e, sum(e, a, true));
  // d softmax: y * (g - sum(g * y))
  return record('softmax', out, [x], (g) => [mul(out, sub(g, sum(mul(g, out), a, true)))]);
}

registerOp('logSoftmax', true);
/** x - logsumexp(x) along axis. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'logSoftmax');
  const out = sub(x.detach(), logsumexp(x.detach(), a, true));
  // d logSoftmax: g - softmax * sum(g)
  return record('logSoftmax', out, [x], (g) => [sub(g, mul(exp(out), sum(g, a, true)))]);
}
