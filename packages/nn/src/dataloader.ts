// PyTorch's data pipeline in memory: a Dataset is anything with `length` and `get(i)`; a DataLoader walks one in
// (optionally shuffled) batches and collates each batch's samples into stacked tensors.
import { Tensor, Generator, defaultGenerator, stack, take, tensor, ShapeError, ValueError } from '@tensorgrad/core';
import { fmt, isObject, show } from '@tensorgrad/core/util';
import { checkBoolean } from './layers/common.js';

/** A map-style data set (PyTorch's Dataset): `length` samples, sample i from `get(i)`. */
export interface Dataset<T = Tensor[]> {
  readonly length: number;
  get(i: number): T;
}

/** Samples that are rows of tensors sharing their first axis: sample i is [t0[i], t1[i], ...]. */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ValueError('TensorDataset: needs at least one tensor');
    for (const [k, t] of tensors.entries()) {
      if (!(t instanceof Tensor)) throw new ValueError(`TensorDataset: argument ${k} must be a Tensor, got ${show(t)}`);
      if (t.ndim === 0) throw new ShapeError(`TensorDataset: argument ${k} is a scalar; every tensor needs a first (sample) axis`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new ShapeError(`TensorDataset: every tensor needs the same first dimension (samples), got shapes ${tensors.map((u) => fmt(u.shape)).join(', ')}`);
      }
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(i: number): Tensor[] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new ValueError(`TensorDataset.get: index ${show(i)} is out of range for ${this.length} samples`);
    return this.rows([i]).map((t) => t.reshape(t.shape.slice(1)));
  }

  /** The rows at `indices` of every tensor, [indices.length, ...] each (one take per tensor, no per-sample work). */
  rows(indices: readonly number[] | Int32Array): Tensor[] {
    const idx = tensor(Int32Array.from(indices));
    return this.tensors.map((t) => take(t, idx, 0));
  }
}

/** What the default collate makes of a batch of samples of type T: tensors and numbers stacked, arrays and objects walked. */
export type Batch<T> = T extends Tensor ? Tensor
  : T extends number ? Tensor
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Batch<T[K]> }
  : T extends object ? { [K in keyof T]: Batch<T[K]> }
  : never;

/**
 * PyTorch's default_collate: tensors are stacked along a new first axis, numbers become a 1-D tensor (int32 when
 * every one is an integer, else float32), and arrays and plain objects are collated position by position / key by key.
 */
export function defaultCollate<T>(samples: readonly T[]): Batch<T> {
  return collate(samples as readonly unknown[], 'sample') as Batch<T>;
}

function collate(items: readonly unknown[], path: string): unknown {
  const first = items[0];
  /** Every item must be `what` as the first is. */
  const expect = (what: string, ok: (x: unknown) => boolean) => {
    const bad = items.findIndex((x) => !ok(x));
    if (bad >= 0) throw new ValueError(`DataLoader collate: ${path} is ${what} in the batch's item 0 but ${show(items[bad])} in item ${bad}`);
  };
  if (first instanceof Tensor) {
    expect('a Tensor', (x) => x instanceof Tensor);
    return stack(items as Tensor[], 0);
  }
  if (typeof first === 'number') {
    expect('a number', (x) => typeof x === 'number');
    const values = items as number[];
    const ints = values.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31);
    return tensor(values, { dtype: ints ? 'int32' : 'float32' });
  }
  if (Array.isArray(first)) {
    expect(`an array of ${first.length}`, (x) => Array.isArray(x) && x.length === first.length);
    return first.map((_, k) => collate(items.map((x) => (x as unknown[])[k]), `${path}[${k}]`));
  }
  if (isObject(first) && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = collate(items.map((x) => (isObject(x) ? x[key] : x)), `${path}.${key}`);
    }
    return out;
  }
  throw new ValueError(`DataLoader collate: cannot batch ${path} = ${show(first)} (the default collate takes Tensors, numbers, arrays and plain objects; pass { collate } for anything else)`);
}

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** A new random order on every pass (default false: in order). */
  shuffle?: boolean;
  /** Leaves out the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Draws the shuffles (default: the global generator that manualSeed seeds); numpy's permutation for the same seed. */
  generator?: Generator;
  /** Turns a batch's samples into the batch (default: defaultCollate). */
  collate?: (samples: T[]) => B;
}

const OPTIONS = ['batchSize', 'shuffle', 'dropLast', 'generator', 'collate'];

/**
 * Iterates a Dataset in batches: `for (const [x, y] of new DataLoader(new TensorDataset(X, Y), { batchSize: 32, shuffle: true }))`.
 * Each pass (each for..of) draws a new order when shuffling; `length` is the number of batches of a pass.
 */
export class DataLoader<T, B = Batch<T>> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator;
  private readonly collate: ((samples: T[]) => B) | null;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    if (typeof dataset !== 'object' || dataset === null || typeof dataset.get !== 'function') {
      throw new ValueError(`DataLoader: dataset must have length and get(i) (a Dataset such as TensorDataset), got ${show(dataset)}`);
    }
    checkLength(dataset);
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ValueError(`DataLoader: options must be an object, got ${show(options)}`);
    const unknown = Object.keys(options).filter((k) => !OPTIONS.includes(k));
    if (unknown.length > 0) throw new ValueError(`DataLoader: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (options: ${OPTIONS.join(', ')})`);
    const { batchSize = 1, shuffle = false, dropLast = false, generator = defaultGenerator, collate = null } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new ValueError(`DataLoader: batchSize must be a positive integer, got ${show(batchSize)}`);
    checkBoolean('DataLoader', 'shuffle', shuffle);
    checkBoolean('DataLoader', 'dropLast', dropLast);
    if (!(generator instanceof Generator)) throw new ValueError(`DataLoader: generator must be a Generator, got ${show(generator)}`);
    if (collate !== null && typeof collate !== 'function') throw new ValueError(`DataLoader: collate must be a function, got ${show(collate)}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = generator;
    this.collate = collate;
  }

  /** The number of batches in a pass. */
  get length(): number {
    const n = checkLength(this.dataset);
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<B> {
    const n = checkLength(this.dataset);
    const order = this.shuffle ? this.generator.permutation(n) : null;
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const start = b * this.batchSize;
      const stop = Math.min(start + this.batchSize, n);
      const indices = order !== null ? order.subarray(start, stop) : Int32Array.from({ length: stop - start }, (_, k) => start + k);
      // A TensorDataset batched by the default collate is a take per tensor: the same values as stacking its rows.
      if (this.collate === null && this.dataset instanceof TensorDataset) {
        yield this.dataset.rows(indices) as B;
        continue;
      }
      const samples = Array.from(indices, (i) => this.dataset.get(i));
      yield this.collate !== null ? this.collate(samples) : (defaultCollate(samples) as B);
    }
  }
}

function checkLength(dataset: Dataset<unknown>): number {
  const n = dataset.length;
  if (!Number.isSafeInteger(n) || n < 0) throw new ValueError(`DataLoader: the dataset's length must be an integer >= 0, got ${show(n)}`);
  return n;
}
