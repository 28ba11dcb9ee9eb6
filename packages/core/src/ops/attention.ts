// Scaled dot-product attention, composed from matmul, softmax and where (PyTorch 2's formula).
import { isFloat } from '../dtype.js';
import { ShapeError, ValueError } from '../errors.js';
import { fmt } from '../shape.js';
import { type Tensor } from '../tensor.js';
import { type Generator } from '../random.js';
import { registerOp } from './registry.js';
import { add, div, lt, mul, where } from './arith.js';
import { matmul } from './linalg.js';
import { softmax } from './nnfunc.js';
import { swapaxes } from './shape.js';
import { tril } from './manipulation.js';
import { ones, rand } from './creation.js';

export interface AttentionOptions {
  /**
   * Broadcast to [..., L, S]. An int mask (0/1) says which keys each query may attend to (nonzero: attend);
   * a float mask is added to the scores (use -Infinity to block).
   */
  mask?: Tensor;
  /** Query i attends to keys 0..i only (the lower triangle of [L, S]); not together with mask. */
  isCausal?: boolean;
  /** Probability of dropping each attention weight (scaling the others by 1 / (1 - p)); default 0. */
  dropoutP?: number;
  /** Multiplies q @ k^T; default 1 / sqrt(E), E the last axis of q. */
  scale?: number;
  /** Where dropout draws from (the global generator by default). */
  generator?: Generator;
}

registerOp('scaledDotProductAttention', true);
/**
 * softmax(q @ k^T * scale + mask) @ v over the last two axes, any leading (batch, head) axes broadcast:
 * q [..., L, E], k [..., S, E], v [..., S, Ev] give [..., L, Ev]. A query whose keys are all masked gets NaN,
 * as in PyTorch.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  const { mask, isCausal = false, dropoutP = 0 } = options;
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2) {
    throw new ShapeError(`scaledDotProductAttention: q, k and v need at least 2 dimensions, got shapes ${fmt(q.shape)}, ${fmt(k.shape)}, ${fmt(v.shape)}`);
  }
  if (k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new ShapeError(`scaledDotProductAttention: k ${fmt(k.shape)} and v ${fmt(v.shape)} must have as many keys (second-last axis)`);
  }
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new ValueError(`scaledDotProductAttention: dropoutP must be in [0, 1], got ${dropoutP}`);
  if (mask !== undefined && isCausal) throw new ValueError('scaledDotProductAttention: pass either mask or isCausal, not both');
  const scale = options.scale ?? 1 / Math.sqrt(q.shape[q.ndim - 1]);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new ValueError(`scaledDotProductAttention: scale must be a finite number, got ${String(scale)}`);
  let scores = mul(matmul(q, swapaxes(k, -2, -1)), scale);
  const L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2];
  const allowed = isCausal ? tril(ones([L, S], { dtype: 'bool' })) : mask !== undefined && !isFloat(mask.dtype) ? mask : undefined;
  if (allowed !== undefined) scores = where(allowed, scores, -Infinity);
  else if (mask !== undefined) scores = add(scores, mask);
  let weights = softmax(scores, -1);
  if (dropoutP > 0) {
    const keep = lt(rand(weights.shape, { dtype: 'float64', generator: options.generator }), 1 - dropoutP);
    weights = dropoutP === 1 ? mul(weights, 0) : where(keep, div(weights, 1 - dropoutP), 0);
  }
  return matmul(weights, v);
}
