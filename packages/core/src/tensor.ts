// The Tensor class: values, shape and dtype, the node of the op that made it, and its gradient. It imports no op:
// the ops' methods (x.add(y) is add(x, y)) are declared below (TensorMethods) and attached by ops/methods.ts.
import { GraphError, DTypeError, ShapeError } from './errors.js';
import { type DType, type TypedArray, arrayDtype, holds, isFloat } from './dtype.js';
import { fmt, sameShape, sizeOf, type Axis, type Shape, type SliceSpec } from './shape.js';
import { type BackwardOptions, type Node, accumulateInto, runBackward, unrecordedError } from './autograd.js';
import { allocate, copyAs } from './storage.js';
import { formatArray } from './format.js';
import { formatGraph, graphNodes, type GraphNode } from './graph.js';
import { type NestedArray, readValues } from './nested.js';

export type { NestedArray };
export type GradHook = (grad: Tensor) => Tensor | void;
/** A tensor, or a plain number standing for a 0-d tensor. */
export type Operand = Tensor | number;

/**
 * An n-dimensional array that records the ops that made it. Storage is one contiguous row-major typed array.
 * Methods are sugar over the functions of the same name (`x.add(y)` is `add(x, y)`).
 */
/** The token by which wrap() tells the constructor that an op has already checked data, shape and dtype. */
const CHECKED: unique symbol = Symbol('checked');

function checkParts(data: TypedArray, shape: Shape, dtype: DType): void {
  if (!holds(data, dtype)) {
    // a Uint8Array by its name: it holds uint8 or bool
    const held = (data instanceof Uint8Array ? undefined : arrayDtype(data)) ?? (data as object)?.constructor?.name ?? String(data);
    throw new DTypeError(
      `Tensor: dtype '${String(dtype)}' does not match the data (${held}); expected a Float32Array for 'float32', a Float64Array for 'float64', an Int32Array for 'int32', a Uint8Array for 'uint8' and 'bool'`,
    );
  }
  if (!Array.isArray(shape)) throw new ShapeError(`Tensor: a shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`Tensor: dimensions must be non-negative integers, got shape ${fmt(shape)}`);
  }
  if (data.length !== sizeOf(shape)) {
    throw new ShapeError(`Tensor: ${data.length} values cannot have shape ${fmt(shape)} (${sizeOf(shape)} elements)`);
  }
}

export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** The values, row-major. Writing to it bypasses autograd (as numpy would). */
  readonly data: TypedArray;
  /** Accumulated gradient (leaves, and tensors that called retainGrad()). */
  grad: Tensor | null = null;
  private _node: Node | null = null;
  private _requiresGrad = false;
  /** @internal */
  _retainsGrad = false;
  /** @internal made under noGrad from tensors that require grad (see markUnrecorded in autograd.ts). */
  _unrecorded = false;
  private _hooks: GradHook[] | null = null;

  /**
   * Wraps `data` (not copied) as a tensor of `shape`. Prefer `tensor()` and the other creation functions.
   * The checks are O(ndim): dtype against the array's type, dimensions non-negative safe integers, their product
   * the array's length. Ops make their results through `wrap()`, which skips them (they cost W4 ~15 %).
   */
  constructor(data: TypedArray, shape: Shape, dtype: DType, /** @internal */ checked?: typeof CHECKED) {
    if (checked !== CHECKED) checkParts(data, shape, dtype);
    this.data = data;
    // a frozen shape cannot change, so tensors share it (most ops' outputs have an input's shape): no copy per op
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    this.dtype = dtype;
  }

  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.data.length;
  }
  /** The op that made this tensor, or null for a leaf. */
  get node(): Node | null {
    return this._node;
  }
  /** True for tensors made by the user rather than by a recorded op. */
  get isLeaf(): boolean {
    return this._node === null;
  }
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  /** Only leaves can change it; only float tensors can require grad. */
  set requiresGrad(value: boolean) {
    if (!this.isLeaf) {
      throw new GraphError(`requiresGrad can only be set on a leaf tensor; this one was made by '${this._node!.op}' (use detach() first)`);
    }
    if (value && !isFloat(this.dtype)) {
      throw new DTypeError(`only float tensors can require grad; this tensor is ${this.dtype} with shape ${fmt(this.shape)}`);
    }
    this._requiresGrad = value;
  }
  /** Sets requiresGrad and returns this, for chaining. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** @internal called by record() when an op made this tensor from inputs that require grad. */
  _setNode(node: Node): void {
    this._node = node;
    this._requiresGrad = true;
  }

  // ---- autograd ----

  /**
   * Accumulates d(this)/d(leaf) into every leaf's .grad (gradients add up across calls: call zeroGrad or set
   * grad = null between steps). A non-scalar needs `gradient`, the vector of the vector-Jacobian product.
   */
  backward(gradient?: Tensor | NestedArray, options: BackwardOptions = {}): void {
    if (!this._requiresGrad) {
      if (this._unrecorded) throw unrecordedError('backward', this);
      throw new GraphError(`backward: this tensor (shape ${fmt(this.shape)}) does not require grad, so there is nothing to differentiate`);
    }
    let g: Tensor;
    if (gradient === undefined) {
      if (this.size !== 1) {
        throw new GraphError(
          `backward: a gradient argument is needed for a non-scalar output (shape ${fmt(this.shape)}); pass one of that shape, or reduce to a scalar first`,
        );
      }
      g = new Tensor(allocate(this.dtype, this.size).fill(1), this.shape, this.dtype);
    } else {
      if (gradient instanceof Tensor) g = gradient;
      else {
        const { values, shape } = readValues(gradient, this.dtype);
        g = new Tensor(values, shape, this.dtype);
      }
      if (!sameShape(g.shape, this.shape)) {
        throw new ShapeError(`backward: gradient has shape ${fmt(g.shape)} but the output has shape ${fmt(this.shape)}`);
      }
      if (g.dtype !== this.dtype) g = g.astype(this.dtype);
    }
    runBackward(this, g, options);
  }

  /** Keep this non-leaf tensor's gradient in .grad during backward. */
  retainGrad(): this {
    if (!this._requiresGrad) throw new GraphError(`retainGrad: this tensor does not require grad`);
    this._retainsGrad = true;
    return this;
  }

  /**
   * Calls fn with this tensor's gradient during backward; if fn returns a tensor, that replaces the gradient.
   * Returns a function that removes the hook.
   */
  registerHook(fn: GradHook): () => void {
    if (!this._requiresGrad) throw new GraphError(`registerHook: this tensor does not require grad, so it never gets a gradient`);
    (this._hooks ??= []).push(fn);
    return () => {
      const i = this._hooks?.indexOf(fn) ?? -1;
      if (i >= 0) this._hooks!.splice(i, 1);
    };
  }

  /** @internal */
  get _hasHooks(): boolean {
    return this._hooks !== null && this._hooks.length > 0;
  }

  /** @internal */
  _applyHooks(grad: Tensor): Tensor {
    if (this._hooks === null) return grad;
    for (const hook of this._hooks) {
      const replaced = hook(grad);
      if (replaced !== undefined) {
        if (!(replaced instanceof Tensor) || !sameShape(replaced.shape, this.shape)) {
          throw new ShapeError(`registerHook: a hook must return nothing or a tensor of shape ${fmt(this.shape)}`);
        }
        grad = replaced;
      }
    }
    return grad;
  }

  /**
   * @internal adds a gradient into .grad: in place when no graph is being built. `owned`: nothing else holds g
   * (see BackwardContext.fresh in autograd.ts), so it can become .grad as it is.
   */
  _accumulateGrad(g: Tensor, createGraph: boolean, owned = false): void {
    if (createGraph) {
      this.grad = this.grad === null ? g : this.grad.add(g);
    } else if (this.grad === null) {
      // else a copy: g may be shared with other gradients, and later accumulation writes in place
      this.grad = owned ? g : new Tensor(copyAs(g.data, this.dtype), this.shape, this.dtype);
    } else if (this.grad.requiresGrad) {
      this.grad = this.grad.detach().add(g); // left over from a createGraph backward: do not write into it
    } else {
      accumulateInto(this.grad, g);
    }
  }

  /** Sets .grad to null. */
  zeroGrad(): void {
    this.grad = null;
  }

  // ---- values ----

  /** The single value of a one-element tensor (a bool tensor's is 0 or 1: `item() === 1` or `Boolean(item())`). */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: only one-element tensors have an item; this one has shape ${fmt(this.shape)}`);
    return this.data[0];
  }

  /** Nested arrays of numbers (a number for a 0-d tensor); of booleans for a bool tensor. */
  toArray(): NestedArray {
    const bool = this.dtype === 'bool';
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return bool ? this.data[offset] !== 0 : this.data[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** A new tensor that shares this one's values but is cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.dtype);
  }

  /** A copy of the values, as numpy's print shows them. */
  toString(): string {
    return formatArray(this.data, this.shape, this.dtype);
  }

  /** The ops that made this tensor, one `%id = op(%inputs) dtype[shape]` line each, inputs first (see graphNodes). */
  graph(): string {
    return formatGraph(this);
  }

  /** The tensors that made this one, in topological order, each once: `{ id, op, shape, dtype, inputs, requiresGrad }`. */
  graphNodes(): GraphNode[] {
    return graphNodes(this);
  }
}

/**
 * The ops as methods, each the function of the same name with this tensor first (ops/methods.ts attaches them;
 * the compiler checks there that every one is defined with this signature).
 */
export interface TensorMethods {
  astype(dtype: DType): Tensor;
  clone(): Tensor;
  add(other: Operand): Tensor;
  sub(other: Operand): Tensor;
  mul(other: Operand): Tensor;
  div(other: Operand): Tensor;
  pow(exponent: Operand): Tensor;
  maximum(other: Operand): Tensor;
  minimum(other: Operand): Tensor;
  neg(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  sqrt(): Tensor;
  abs(): Tensor;
  sign(): Tensor;
  relu(): Tensor;
  leakyRelu(slope?: number): Tensor;
  sigmoid(): Tensor;
  tanh(): Tensor;
  step(): Tensor;
  clip(min?: number | null, max?: number | null): Tensor;
  eq(other: Operand): Tensor;
  ne(other: Operand): Tensor;
  gt(other: Operand): Tensor;
  ge(other: Operand): Tensor;
  lt(other: Operand): Tensor;
  le(other: Operand): Tensor;
  logicalNot(): Tensor;
  logicalAnd(other: Operand): Tensor;
  logicalOr(other: Operand): Tensor;
  logicalXor(other: Operand): Tensor;
  /** astype('bool') (PyTorch's name): nonzero values, NaN included, are true. */
  bool(): Tensor;
  /** astype('uint8') (PyTorch's name). */
  byte(): Tensor;
  sum(axis?: Axis, keepdims?: boolean): Tensor;
  mean(axis?: Axis, keepdims?: boolean): Tensor;
  max(axis?: Axis, keepdims?: boolean): Tensor;
  min(axis?: Axis, keepdims?: boolean): Tensor;
  logsumexp(axis?: Axis, keepdims?: boolean): Tensor;
  argmax(axis?: number, keepdims?: boolean): Tensor;
  argmin(axis?: number, keepdims?: boolean): Tensor;
  softmax(axis?: number): Tensor;
  logSoftmax(axis?: number): Tensor;
  matmul(other: Tensor): Tensor;
  dot(other: Tensor): Tensor;
  reshape(...shape: Dims): Tensor;
  flatten(startAxis?: number, endAxis?: number): Tensor;
  squeeze(axis?: Axis): Tensor;
  unsqueeze(axis: number): Tensor;
  expand(shape: readonly number[]): Tensor;
  broadcastTo(shape: readonly number[]): Tensor;
  transpose(...args: [] | [readonly number[] | undefined] | [number, number]): Tensor;
  permute(...axes: Dims): Tensor;
  swapaxes(a: number, b: number): Tensor;
  /** All axes reversed, as numpy's .T. */
  readonly T: Tensor;
  slice(specs: readonly SliceSpec[]): Tensor;
  gather(index: Tensor, axis: number): Tensor;
  take(indices: Tensor | readonly number[], axis?: number): Tensor;
  pick(labels: Tensor | readonly number[]): Tensor;
  where(cond: Tensor, other: Operand): Tensor;

  // the composed ops (ops/statistics.ts, activation.ts, manipulation.ts)
  var(axis?: Axis, options?: VarOptions | boolean): Tensor;
  std(axis?: Axis, options?: VarOptions | boolean): Tensor;
  varMean(axis?: Axis, options?: VarOptions | boolean): [Tensor, Tensor];
  stdMean(axis?: Axis, options?: VarOptions | boolean): [Tensor, Tensor];
  norm(p?: NormOrder, axis?: Axis, keepdims?: boolean): Tensor;
  any(axis?: Axis, keepdims?: boolean): Tensor;
  all(axis?: Axis, keepdims?: boolean): Tensor;
  countNonzero(axis?: Axis, keepdims?: boolean): Tensor;
  silu(): Tensor;
  elu(alpha?: number): Tensor;
  celu(alpha?: number): Tensor;
  selu(): Tensor;
  hardtanh(minVal?: number, maxVal?: number): Tensor;
  relu6(): Tensor;
  hardsigmoid(): Tensor;
  hardswish(): Tensor;
  logsigmoid(): Tensor;
  softsign(): Tensor;
  softmin(axis?: number): Tensor;
  glu(axis?: number): Tensor;
  gelu(options?: GeluOptions): Tensor;
  softplus(beta?: number, threshold?: number): Tensor;
  mish(): Tensor;

  // elementwise math (ops/math.ts)
  sin(): Tensor;
  cos(): Tensor;
  tan(): Tensor;
  asin(): Tensor;
  acos(): Tensor;
  atan(): Tensor;
  sinh(): Tensor;
  cosh(): Tensor;
  asinh(): Tensor;
  acosh(): Tensor;
  atanh(): Tensor;
  exp2(): Tensor;
  expm1(): Tensor;
  log2(): Tensor;
  log10(): Tensor;
  log1p(): Tensor;
  rsqrt(): Tensor;
  square(): Tensor;
  reciprocal(): Tensor;
  erf(): Tensor;
  erfc(): Tensor;
  erfinv(): Tensor;
  floor(): Tensor;
  ceil(): Tensor;
  round(decimals?: number): Tensor;
  trunc(): Tensor;
  frac(): Tensor;
  atan2(other: Operand): Tensor;
  fmod(other: Operand): Tensor;
  remainder(other: Operand): Tensor;
  floorDivide(other: Operand): Tensor;
  hypot(other: Operand): Tensor;
  copysign(other: Operand): Tensor;
  lerp(end: Operand, weight: Operand): Tensor;
  logaddexp(other: Operand): Tensor;
  isnan(): Tensor;
  isinf(): Tensor;
  isfinite(): Tensor;
  isclose(other: Operand, options?: IsCloseOptions): Tensor;
  allclose(other: Operand, options?: IsCloseOptions): boolean;
  nanToNum(options?: NanToNumOptions): Tensor;

  // products, scans and orderings (ops/scan.ts)
  prod(axis?: Axis, keepdims?: boolean): Tensor;
  cumsum(axis?: number): Tensor;
  cumprod(axis?: number): Tensor;
  logcumsumexp(axis?: number): Tensor;
  cummax(axis: number): [Tensor, Tensor];
  cummin(axis: number): [Tensor, Tensor];
  sort(axis?: number, options?: SortOptions | boolean): [Tensor, Tensor];
  argsort(axis?: number, options?: SortOptions | boolean): Tensor;
  topk(k: number, axis?: number, options?: TopkOptions | boolean, sorted?: boolean): [Tensor, Tensor];
  median(): Tensor;
  median(axis: number, keepdims?: boolean): [Tensor, Tensor];
  split(sections: number | readonly number[], axis?: number): Tensor[];
  chunk(chunks: number, axis?: number): Tensor[];
  unflatten(axis: number, sizes: readonly number[]): Tensor;
  flip(axis?: Axis): Tensor;
  roll(shifts: number | readonly number[], axis?: Axis): Tensor;
  tile(reps: number | readonly number[]): Tensor;
  repeat(...sizes: Dims): Tensor;
  repeatInterleave(repeats: number | readonly number[] | Tensor, axis?: number): Tensor;
  pad(pad: readonly number[], options?: PadOptions): Tensor;
  tril(k?: number): Tensor;
  triu(k?: number): Tensor;
  diag(k?: number): Tensor;
  diagonal(offset?: number, axis1?: number, axis2?: number): Tensor;
  trace(): Tensor;
  indexSelect(axis: number, index: Tensor | readonly number[]): Tensor;
  scatter(axis: number, index: Tensor, src: Operand): Tensor;
  scatterAdd(axis: number, index: Tensor, src: Tensor): Tensor;
  indexAdd(axis: number, index: Tensor | readonly number[], source: Tensor, options?: { alpha?: number }): Tensor;
  maskedFill(mask: Tensor, value: Operand): Tensor;
  maskedSelect(mask: Tensor): Tensor;
  nonzero(options?: { asTuple?: false }): Tensor;
  nonzero(options: { asTuple: true }): Tensor[];
  index(indices: readonly IndexSpec[]): Tensor;
}

// ---- the argument types of the methods above (here, below the ops that take them: tensor.ts imports no op)

/** Dimensions given as one array or as separate numbers (`reshape(x, [6, 4])` or `reshape(x, 6, 4)`). */
export type Dims = readonly number[] | [readonly number[]];

export interface VarOptions {
  /**
   * Subtracted from the element count in the divisor: 1 (the default, PyTorch's: the unbiased sample
   * variance) or 0 (numpy's default: the population variance). numpy's `ddof` is the same number.
   */
  correction?: number;
  keepdims?: boolean;
}

/** The order of a vector norm: any number (Infinity and -Infinity included) or 'fro' (the same as 2). */
export type NormOrder = number | 'fro';

export interface GeluOptions {
  /** 'none' (the default, PyTorch's): x * Phi(x) with the exact normal CDF; 'tanh': the tanh approximation. */
  approximate?: 'none' | 'tanh';
}

export interface SortOptions {
  /** Largest first (default false). */
  descending?: boolean;
  /** Accepted for PyTorch's call form: the sort is always stable (equal values keep their order). */
  stable?: boolean;
}

export interface TopkOptions {
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Largest first (smallest first when not `largest`), the default; false: in the order they stand in x. */
  sorted?: boolean;
}

export interface IsCloseOptions {
  /** Relative tolerance (default 1e-5, as numpy and PyTorch). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** NaN counts as close to NaN (default false). */
  equalNan?: boolean;
}

export interface NanToNumOptions {
  /** What NaN becomes (default 0). */
  nan?: number;
  /** What +Infinity becomes (default the dtype's largest finite value). */
  posinf?: number;
  /** What -Infinity becomes (default the dtype's most negative finite value). */
  neginf?: number;
}

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

export interface PadOptions {
  /** 'constant' (the default) fills with `value`; the others repeat x's own values as PyTorch's modes. */
  mode?: PadMode;
  /** The fill of mode 'constant' (default 0). */
  value?: number;
}

/** One entry of index(): an int index tensor or (nested arrays of) integers, broadcast with the others, or null for a whole axis. */
export type IndexSpec = Tensor | NestedInts | null;
export type NestedInts = number | readonly NestedInts[];

// Declaration merging: every Tensor has the methods above (attached to the prototype by ops/methods.ts).
export interface Tensor extends TensorMethods {}

/** @internal a fresh zero-filled tensor: how ops make their outputs. */
export function alloc(shape: Shape, dtype: DType): Tensor {
  return wrap(allocate(dtype, sizeOf(shape)), shape, dtype);
}

/** @internal A tensor over `data` of `shape` and `dtype` that the calling op has made consistent (no checks). */
export function wrap(data: TypedArray, shape: Shape, dtype: DType): Tensor {
  return new Tensor(data, shape, dtype, CHECKED);
}
