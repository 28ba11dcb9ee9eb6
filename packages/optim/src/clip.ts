// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_: in place on the parameters' grads.
import { Tensor, tensor, ValueError } from '@tensorgrad/core';
import { NonFiniteNormError } from './errors.js';
import { isIterable } from './optimizer.js';

export interface ClipGradNormOptions {
  /** The p of the p-norm (default 2); Infinity for the largest absolute value. */
  normType?: number;
  /** Throw instead of scaling when the total norm is NaN or Infinity (default false, as PyTorch). */
  errorIfNonfinite?: boolean;
}

/** The grads to clip: those of `params` (one tensor or several) that are not null. */
function grads(where: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : isIterable(params) ? [...params] : null;
  if (list === null) throw new ValueError(`${where}: params must be a Tensor or an iterable of Tensors`);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new ValueError(`${where}: parameter ${i} is not a Tensor`);
  });
  return list.flatMap((p) => (p.grad === null ? [] : [p.grad]));
}

/**
 * Scales the grads so that their total norm (the p-norm of all their values together) is at most maxNorm, by
 * maxNorm / (norm + 1e-6) when it is larger; returns the total norm before clipping (0 without grads).
 * The norm is computed in float64 (PyTorch's clip_grad_norm_ computes it in the grads' dtype).
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const { normType = 2, errorIfNonfinite = false } = options;
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) {
    throw new ValueError(`clipGradNorm: maxNorm must be a number >= 0, got ${String(maxNorm)}`);
  }
  if (typeof normType !== 'number' || !(normType > 0)) throw new ValueError(`clipGradNorm: normType must be a number > 0 or Infinity, got ${String(normType)}`);
  const gs = grads('clipGradNorm', params);
  if (gs.length === 0) return 0;
  // each grad's norm, then the norm of those norms, as PyTorch (in float64)
  const norms = gs.map((g) => g.detach().astype('float64').norm(normType).item());
  const total = norms.length === 1 ? norms[0] : tensor(norms, { dtype: 'float64' }).norm(normType).item();
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new NonFiniteNormError(
      `clipGradNorm: the total norm of order ${normType} of the gradients is ${total}, so they cannot be clipped; ` +
        'no gradient was changed (errorIfNonfinite: false scales them anyway)',
    );
  }
  // as PyTorch, in the grads' dtype; a factor of 1 changes nothing
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  if (coef !== 1) for (const g of gs) g.data.set(g.detach().mul(coef).data);
  return total;
}

/** Clamps every grad value into [-clipValue, clipValue], as torch.nn.utils.clip_grad_value_. */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue) || clipValue < 0) {
    throw new ValueError(`clipGradValue: clipValue must be a number >= 0, got ${String(clipValue)}`);
  }
  for (const g of grads('clipGradValue', params)) g.data.set(g.detach().clip(-clipValue, clipValue).data);
}
