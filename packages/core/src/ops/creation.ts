// Making tensors: from data, filled, ranges, random; and dtype conversion and copies.
import { type DType, type TypedArray, checkDtype, checkInt32, getDefaultDtype, isFloat } from '../dtype.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { readValues } from '../nested.js';
import { record } from '../autograd.js';
import { backend } from '../backend.js';
import { checkShape, fmt } from '../shape.js';
import { convertTo, copyAs } from '../storage.js';
import { Tensor, alloc, type NestedArray } from '../tensor.js';
import { Generator, defaultGenerator } from '../random.js';
import { registerOp } from './registry.js';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

function dtypeFrom(options: TensorOptions, where: string): DType {
  return options.dtype === undefined ? getDefaultDtype() : checkDtype(options.dtype, where);
}

/**
 * A tensor from a number, nested arrays of numbers or booleans, or a typed array (copied). Numbers become the
 * default float dtype (JavaScript cannot tell 1 from 1.0), booleans bool; a typed array keeps its own (an
 * Int32Array int32, a Uint8Array uint8). `shape` reshapes flat data.
 */
export function tensor(data: NestedArray | TypedArray | readonly number[], options: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  const read = readValues(data, options.dtype === undefined ? undefined : checkDtype(options.dtype, 'tensor'));
  const values = read.values;
  let shape = read.shape;
  if (options.shape !== undefined) {
    const size = checkShape(options.shape, 'tensor');
    if (size !== values.length) throw new ShapeError(`tensor: ${values.length} values cannot have shape ${fmt(options.shape)}`);
    shape = options.shape.slice();
  }
  return finish(new Tensor(values, shape, read.dtype), options);
}

/** A tensor of `shape` filled with value (a boolean is 1 or 0; for dtype bool any nonzero number is true). */
export function full(shape: readonly number[], value: number | boolean, options: TensorOptions = {}): Tensor {
  return filled(shape, Number(value), options, 'full');
}

function filled(shape: readonly number[], value: number, options: TensorOptions, where: string): Tensor {
  checkShape(shape, where);
  const dtype = dtypeFrom(options, where);
  if (dtype === 'int32' || dtype === 'uint8') checkInt32([value], where, '', dtype);
  const t = alloc(shape, dtype);
  if (value !== 0) t.data.fill(dtype === 'bool' ? 1 : value);
  return finish(t, options);
}

export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filled(shape, 0, options, 'zeros');
}

export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filled(shape, 1, options, 'ones');
}

export function zerosLike(x: Tensor, options: TensorOptions = {}): Tensor {
  return fullLike(x, 0, options);
}

export function onesLike(x: Tensor, options: TensorOptions = {}): Tensor {
  return fullLike(x, 1, options);
}

export function fullLike(x: Tensor, value: number | boolean, options: TensorOptions = {}): Tensor {
  return full(x.shape, value, { dtype: x.dtype, ...options });
}

/** start, start + step, ... below stop (numpy's arange); arange(n) is 0..n-1. */
export function arange(start: number, stop?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new ValueError(`arange: step must be a finite nonzero number, got ${step}`);
  if (!Number.isFinite(start) || !Number.isFinite(stop)) {
    throw new ValueError(`arange: start and stop must be finite numbers, got start ${start}, stop ${stop}`);
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkShape([n], 'arange'); // before allocating: arange(1e12) is a ShapeError, not a RangeError
  const t = alloc([n], numeric(dtypeFrom(options, 'arange'), 'arange'));
  backend().arange(t.data, start, step);
  return finish(t, options);
}

/** Ranges are numbers: a bool range is a DTypeError (uint8 wraps as its arithmetic does). */
function numeric(dtype: DType, where: string): DType {
  if (dtype === 'bool') throw new DTypeError(`${where}: a range of bools is not defined; make it in int32 and compare (arange(n).lt(k))`);
  return dtype;
}

/** num evenly spaced values from start to stop inclusive, computed as numpy does. */
export function linspace(start: number, stop: number, num = 50, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ValueError(`linspace: num must be a non-negative integer, got ${num}`);
  checkShape([num], 'linspace');
  const t = alloc([num], numeric(dtypeFrom(options, 'linspace'), 'linspace'));
  backend().linspace(t.data, start, stop);
  return finish(t, options);
}

/** The n x m identity (m defaults to n). */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  checkShape([n, m], 'eye');
  const t = alloc([n, m], dtypeFrom(options, 'eye'));
  backend().eye(t.data, n, m);
  return finish(t, options);
}

export interface RandomOptions extends TensorOptions {
  /** The generator to draw from; the global one (seeded by manualSeed) by default. */
  generator?: Generator;
}

function fromDraws(shape: readonly number[], draws: (n: number, g: Generator) => TypedArray, options: RandomOptions, where: string): Tensor {
  const size = checkShape(shape, where);
  const dtype = dtypeFrom(options, where);
  if (dtype === 'bool' || dtype === 'uint8') throw new DTypeError(`${where}: draws are numbers, not ${dtype} (draw floats and compare, or use randint and astype)`);
  const t = new Tensor(copyAs(draws(size, options.generator ?? defaultGenerator), dtype), shape, dtype);
  return finish(t, options);
}

/** Standard normal samples: numpy's np.random.randn stream under the same seed. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return fromDraws(shape, (n, g) => g.standardNormal(n), options, 'randn');
}

/** Uniform samples in [0, 1): numpy's np.random.rand stream under the same seed. */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return fromDraws(shape, (n, g) => g.random(n), options, 'rand');
}

/** Integers in [low, high) as int32: numpy's np.random.randint stream under the same seed. */
export function randint(low: number, high: number, shape: readonly number[], options: Omit<RandomOptions, 'dtype' | 'requiresGrad'> = {}): Tensor {
  return fromDraws(shape, (n, g) => g.randint(low, high, n), { ...options, dtype: 'int32' }, 'randint');
}

const ASTYPE_OP = registerOp('astype', true);
/**
 * A copy converted to dtype (floats to int32 and uint8 truncate toward zero; NaN, Infinity and values they cannot
 * hold are a ValueError; to bool, nonzero values, NaN included, are true). Differentiable between float dtypes.
 */
export function astype(x: Tensor, dtype: DType): Tensor {
  checkDtype(dtype, 'astype');
  const out = new Tensor(convertTo(x.data, dtype, 'astype'), x.shape, dtype);
  if (!isFloat(dtype)) return out;
  return record(ASTYPE_OP, out, [x], (g) => [astype(g, x.dtype)]);
}

const CLONE_OP = registerOp('clone', true);
/** A copy of the values that stays in the graph (gradients flow back to x). */
export function clone(x: Tensor): Tensor {
  const out = new Tensor(copyAs(x.data, x.dtype), x.shape, x.dtype);
  return record(CLONE_OP, out, [x], (g) => [g]);
}

