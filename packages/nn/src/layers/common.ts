// What the layers share: size checks, sizes per axis, PyTorch's default initialization, and parameters whose
// layout is PyTorch's own.
import { Tensor, type DType, type Generator, tensor, ValueError } from '@tensorgrad/core';
import { show } from '@tensorgrad/core/util';
import type { TorchParameter } from '../registry.js';

/** Each of `values` (sizes, counts) must be an integer >= 1; a ValueError naming the layer (or function) and the option otherwise. */
export function checkPositiveInts(where: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v < 1) throw new ValueError(`${where}: ${name} must be a positive integer, got ${show(v)}`);
  }
}

/** `v` must be a finite number >= min; a ValueError naming the function (or layer) and the option otherwise. Returns it. */
export function checkFinite(where: string, name: string, v: number, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new ValueError(`${where}: ${name} must be a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${String(v)}`);
  }
  return v;
}

/** `v` must be true or false (or undefined when there is a `dflt`, returned then); a ValueError naming the function (or layer) and the option otherwise. */
export function checkBoolean(where: string, name: string, v: unknown, dflt?: boolean): boolean {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'boolean') throw new ValueError(`${where}: ${name} must be true or false, got ${show(v)}`);
  return v;
}

/** A new parameter drawn from U(-bound, bound). */
export function uniformParameter(shape: number[], bound: number, dtype: DType, generator: Generator): Tensor {
  return tensor(generator.uniform(-bound, bound, shape.reduce((a, b) => a * b, 1)), { dtype, shape, requiresGrad: true });
}

/** PyTorch's default: U(-1/sqrt(fanIn), 1/sqrt(fanIn)), which is kaiming_uniform(a = sqrt(5)) for the weight, and the bias's rule too. */
export function uniformInit(shape: number[], fanIn: number, dtype: DType, generator: Generator): Tensor {
  return uniformParameter(shape, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0, dtype, generator);
}

/**
 * The parameters (and buffers) that exist (a bias or affine ones may not) under PyTorch's names, in the layout we
 * already keep: get copies one, set writes into it.
 */
export function torchNames(entries: [string, Tensor | null][]): TorchParameter[] {
  return entries.flatMap(([name, t]): TorchParameter[] => {
    if (t === null) return [];
    const out: TorchParameter = { name, shape: t.shape, get: () => t.detach().clone(), set: (v) => t.data.set(v.data) };
    if (t.dtype === 'int32') out.dtype = 'int32';
    return [out];
  });
}
