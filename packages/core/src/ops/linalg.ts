// Matrix products. The transposes in matmul's backward are flags to the kernel, never materialized.
import { promote } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { record } from '../autograd.js';
import { broadcastShapes, broadcastStrides, fmt, sizeOf, stridesOf, type Shape } from '../shape.js';
import { type Tensor, alloc } from '../tensor.js';
import { backend } from '../backend.js';
import { matmulPrecision } from '../settings.js';
import { checkTensor, sumToShape } from './op.js';
import { registerOp } from './registry.js';
import { reshape } from './shape.js';

const MATMUL_OP = registerOp('matmul', true);
/**
 * numpy's matmul: 1-D operands are promoted to a row (left) or column (right) and the added axis removed;
 * for more than 2 dimensions the leading (batch) dimensions broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'matmul', 'the first operand');
  checkTensor(b, 'matmul', 'the second operand');
  if (a.dtype === 'bool' || b.dtype === 'bool') {
    throw new DTypeError(`matmul: not defined for bool tensors (as in PyTorch), got ${a.dtype} and ${b.dtype}; cast first (x.astype('int32'))`);
  }
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: operands must have at least one dimension, got shapes ${fmt(a.shape)} and ${fmt(b.shape)} (use mul for scalars)`);
  }
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const out = product(a2, false, b2, false, fmt(a.shape), fmt(b.shape));
  if (a.ndim > 1 && b.ndim > 1) return out;
  const shape = out.shape.slice();
  if (b.ndim === 1) shape.pop();
  if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
  return reshape(out, shape);
}

/**
 * op(a) @ op(b) over broadcast batch dimensions, where op transposes the last two axes when its flag is set.
 * Its backward is the same function with other flags, so higher derivatives come for free.
 */
function product(a: Tensor, transA: boolean, b: Tensor, transB: boolean, aName = fmt(a.shape), bName = fmt(b.shape)): Tensor {
  const ra = a.ndim, rb = b.ndim;
  const M = a.shape[ra - (transA ? 1 : 2)], Ka = a.shape[ra - (transA ? 2 : 1)];
  const Kb = b.shape[rb - (transB ? 1 : 2)], N = b.shape[rb - (transB ? 2 : 1)];
  if (Ka !== Kb) throw new ShapeError(`matmul: shapes ${aName} and ${bName} do not align: ${Ka} (last axis of the first) != ${Kb} (first matrix axis of the second)`);
  const aBatch = a.shape.slice(0, ra - 2), bBatch = b.shape.slice(0, rb - 2);
  let batch: Shape;
  try {
    batch = broadcastShapes(aBatch, bBatch, 'matmul');
  } catch {
    throw new ShapeError(`matmul: shapes ${aName} and ${bName} do not align: batch dimensions ${fmt(aBatch)} and ${fmt(bBatch)} cannot be broadcast together`);
  }
  const out = alloc([...batch, M, N], promote(a.dtype, b.dtype));
  const count = sizeOf(batch);
  if (count === 1) {
    backend().matmul(a.data, 0, transA, b.data, 0, transB, out.data, 0, M, Ka, N, matmulPrecision());
  } else {
    const aStrides = broadcastStrides(aBatch, batch), bStrides = broadcastStrides(bBatch, batch);
    const outStrides = stridesOf(batch);
    const be = backend(), aOffs = new Float64Array(count), bOffs = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let ai = 0, bi = 0, rest = i;
      for (let d = 0; d < batch.length; d++) {
        const idx = Math.floor(rest / outStrides[d]);
        rest -= idx * outStrides[d];
        ai += idx * aStrides[d];
        bi += idx * bStrides[d];
      }
      aOffs[i] = ai * M * Ka;
      bOffs[i] = bi * Ka * N;
      if (!be.matmulBatch) be.matmul(a.data, aOffs[i], transA, b.data, bOffs[i], transB, out.data, i * M * N, M, Ka, N, matmulPrecision());
    }
    // a backend with matmulBatch computes the whole batch in one call (the native addon: one thread hand-off)
    be.matmulBatch?.(a.data, aOffs, transA, b.data, bOffs, transB, out.data, M, Ka, N, matmulPrecision());
  }
  return record(MATMUL_OP, out, [a, b], (g) => [
    a.requiresGrad ? sumToShape(transA ? product(b, transB, g, true) : product(g, false, b, !transB), a.shape) : null,
    b.requiresGrad ? sumToShape(transB ? product(g, true, a, transA) : product(a, !transA, g, false), b.shape) : null,
  ]);
}
