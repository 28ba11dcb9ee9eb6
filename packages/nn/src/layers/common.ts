// What the PyTorch-style layers share: sizes per axis, PyTorch's default initialization, and parameters whose
// layout is PyTorch's own.
import { Tensor, type DType, type Generator, tensor, ValueError } from '@tensorgrad/core';
import { show } from '@tensorgrad/core/util';
import type { TorchParameter } from '../registry.js';

/** One integer >= min per axis, from a number or a list of `dims`; a ValueError naming the layer otherwise. */
export function perAxis(v: unknown, dims: number, layer: string, name: string, min: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(dims).fill(v) : v;
  if (!Array.isArray(list) || list.length !== dims || !list.every((n) => Number.isInteger(n) && n >= min)) {
    throw new ValueError(`${layer}: ${name} must be an integer >= ${min} or ${dims} of them, got ${show(v)}`);
  }
  return [...list] as number[];
}

/** PyTorch's default: U(-1/sqrt(fanIn), 1/sqrt(fanIn)), which is kaiming_uniform(a = sqrt(5)) for the weight, and the bias's rule too. */
export function uniformInit(shape: number[], fanIn: number, dtype: DType, generator: Generator): Tensor {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return tensor(generator.uniform(-bound, bound, shape.reduce((a, b) => a * b, 1)), { dtype, shape, requiresGrad: true });
}

/** weight and bias (when there is one) under PyTorch's names, in the layout we already keep. */
export function sameLayout(weight: Tensor, bias: Tensor | null): TorchParameter[] {
  const params = [{ name: 'weight', t: weight }, ...(bias ? [{ name: 'bias', t: bias }] : [])];
  return params.map(({ name, t }) => ({ name, shape: t.shape, get: () => t.detach().clone(), set: (v: Tensor) => t.data.set(v.data) }));
}
