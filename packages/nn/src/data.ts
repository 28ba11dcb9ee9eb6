// The nnfs package's toy data sets, drawn from a numpy-compatible generator, and a minibatch iterator.
import { Tensor, type DType, type Generator, defaultGenerator, libm, tensor, take, ShapeError, ValueError, MAX_SIZE } from '@tensorgrad/core';
import { checkPositiveInts } from './layers/common.js';

/** A data set as two tensors: the book's X and y (the PyTorch-style Dataset, with length and get(i), is in dataloader.ts). */
export interface XYData {
  /** Inputs [samples, features]. */
  X: Tensor;
  /** Class labels (int32 [samples]) or regression targets ([samples, 1]). */
  y: Tensor;
}

export interface DataOptions {
  generator?: Generator;
}

const f32 = Math.fround;

/** samples and classes positive integers, and X ([samples * classes, features]) no bigger than a tensor can be. */
function checkCounts(op: string, samples: number, classes: number, features: number): void {
  checkPositiveInts(op, { samples, classes });
  // before allocating (a RangeError from the typed array otherwise)
  if (samples * classes * features > MAX_SIZE) {
    throw new ValueError(`${op}: ${samples} samples x ${classes} classes make ${samples * classes * features} values of X, more than a tensor can hold (${MAX_SIZE})`);
  }
}

/** numpy's linspace(start, stop, n)[i]. */
function linspaceAt(start: number, stop: number, n: number, i: number): number {
  if (n === 1) return start;
  return i === n - 1 ? stop : i * ((stop - start) / (n - 1)) + start;
}

/**
 * nnfs `spiral_data(samples, classes)` as the book runs it (after nnfs.init(): draws cast to float32, X float32):
 * after `manualSeed(0)`, `spiralData(100, 3)` is the book's data set bit for bit.
 */
export function spiralData(samples: number, classes: number, options: DataOptions = {}): XYData {
  checkCounts('spiralData', samples, classes, 2);
  const g = options.generator ?? defaultGenerator;
  const X = new Float32Array(samples * classes * 2);
  const y = new Int32Array(samples * classes);
  for (let c = 0; c < classes; c++) {
    const noise = g.standardNormal(samples); // one draw per class, as nnfs does
    for (let i = 0; i < samples; i++) {
      const row = c * samples + i;
      const r = linspaceAt(0, 1, samples, i);
      const t = linspaceAt(c * 4, (c + 1) * 4, samples, i) + f32(f32(noise[i]) * f32(0.2));
      X[row * 2] = r * libm.sin(t * 2.5);
      X[row * 2 + 1] = r * libm.cos(t * 2.5);
      y[row] = c;
    }
  }
  return { X: tensor(X, { shape: [samples * classes, 2] }), y: tensor(y) };
}

/** nnfs `vertical_data(samples, classes)` as the book runs it: a column of points per class, float32. */
export function verticalData(samples: number, classes: number, options: DataOptions = {}): XYData {
  checkCounts('verticalData', samples, classes, 2);
  const g = options.generator ?? defaultGenerator;
  const X = new Float32Array(samples * classes * 2);
  const y = new Int32Array(samples * classes);
  for (let c = 0; c < classes; c++) {
    const a = g.standardNormal(samples); // x column first, then y column
    const b = g.standardNormal(samples);
    for (let i = 0; i < samples; i++) {
      const row = c * samples + i;
      X[row * 2] = f32(f32(f32(a[i]) * f32(0.1)) + f32(c / 3));
      X[row * 2 + 1] = f32(f32(f32(b[i]) * f32(0.1)) + f32(0.5));
      y[row] = c;
    }
  }
  return { X: tensor(X, { shape: [samples * classes, 2] }), y: tensor(y) };
}

/**
 * nnfs `sine_data(samples)`: X = i / samples, y = sin(2 pi X), both [samples, 1]. nnfs makes them float64;
 * the default here is float32 to match models' default dtype (pass dtype: 'float64' for nnfs's exact values).
 */
export function sineData(samples = 1000, options: { dtype?: DType } = {}): XYData {
  checkCounts('sineData', samples, 1, 1);
  const X = new Float64Array(samples);
  const y = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    X[i] = i / samples;
    y[i] = libm.sin(2 * Math.PI * X[i]);
  }
  const dtype = options.dtype ?? 'float32';
  return { X: tensor(X, { dtype, shape: [samples, 1] }), y: tensor(y, { dtype, shape: [samples, 1] }) };
}

export interface BatchOptions {
  /** Rows per batch; 0 or undefined gives one batch of everything. The last batch may be smaller. */
  batchSize?: number;
  /** Shuffle the rows (a new permutation each call) with the generator. */
  shuffle?: boolean;
  generator?: Generator;
}

/**
 * Rows per batch for n rows: all of them for undefined or 0, else batchSize, which must be a positive integer
 * (a negative or NaN one would loop forever or silently mean "everything"). One check for every batch size.
 */
export function batchSizeFor(batchSize: number | undefined, n: number, where: string): number {
  if (batchSize === undefined || batchSize === 0) return n;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new ValueError(`${where}: batchSize must be a positive integer (or 0 or undefined for one batch of all rows), got ${batchSize}`);
  }
  return batchSize;
}

/** Splits X and y along their first axis into minibatches. */
export function* batches(X: Tensor, y: Tensor, options: BatchOptions = {}): IterableIterator<XYData> {
  const n = X.shape[0];
  if (X.ndim === 0 || y.ndim === 0 || y.shape[0] !== n) {
    throw new ShapeError(`batches: X has ${X.shape[0] ?? 0} rows but y has ${y.shape[0] ?? 0}`);
  }
  const size = batchSizeFor(options.batchSize, n, 'batches');
  const order = options.shuffle ? (options.generator ?? defaultGenerator).permutation(n) : null;
  for (let start = 0; start < n; start += size) {
    const stop = Math.min(start + size, n);
    if (order === null) {
      yield { X: X.slice([[start, stop]]), y: y.slice([[start, stop]]) };
    } else {
      const idx = tensor(order.subarray(start, stop));
      yield { X: take(X, idx, 0), y: take(y, idx, 0) };
    }
  }
}
