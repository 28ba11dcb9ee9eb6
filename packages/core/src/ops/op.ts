// The machinery every op shares: the registry, operand conversion, and the broadcast/unbroadcast pair.
import { type DType, type TypedArray, getDefaultDtype, isFloat, promote } from '../dtype.js';
import { DTypeError, ValueError } from '../errors.js';
import { broadcastShapes, fmt, sameShape, type Axis, type Shape, type SliceSpec } from '../shape.js';
import { type BackwardContext, type OpName, record } from '../autograd.js';
import { Tensor, alloc, type Operand } from '../tensor.js';
import { backend } from '../backend.js';
import type { Backend, BinaryKernelName, UnaryKernelName } from '../kernels/backend.js';
import { registerOp } from './registry.js';

export type { Operand, Dims } from '../tensor.js';
export type { Axis } from '../shape.js';

/** The shape of every scalar operand's 0-d tensor: one frozen array, shared (tensor.ts). */
const SCALAR_SHAPE: Shape = Object.freeze([]);

/**
 * A number becomes a 0-d tensor of the dtype it meets (as PyTorch and numpy 2 treat Python scalars), except
 * that a fraction meeting an int or bool tensor becomes a float of the default dtype, and a whole number meeting
 * a bool tensor, or a uint8 one that cannot hold it (300, -1), becomes int32: `x.lt(300)` is never a comparison
 * with a wrapped 44. A whole number from 0 to 255 meeting uint8 stays uint8 (and the arithmetic wraps).
 */
export function scalar(value: number, like: DType): Tensor {
  const dtype = isFloat(like) ? like
    : !Number.isInteger(value) ? getDefaultDtype()
    : like === 'bool' || (like === 'uint8' && !(value >= 0 && value <= 255)) ? 'int32'
    : like;
  const out = alloc(SCALAR_SHAPE, dtype);
  out.data[0] = value;
  return out;
}

export function asTensor(x: Operand, like: DType = getDefaultDtype()): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new ValueError(`expected a Tensor or a number, got ${describe(x)}`);
  return scalar(x, like);
}

/** For ops that take tensors only: a ValueError naming the op and the argument unless x is a Tensor. */
export function checkTensor(x: unknown, op: string, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: ${what} must be a Tensor, got ${describe(x)}`);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array (wrap it with tensor())';
  return typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x;
}

export function operands(a: Operand, b: Operand): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, asTensor(b, a.dtype)];
  if (b instanceof Tensor) return [asTensor(a, b.dtype), b];
  return [asTensor(a), asTensor(b)];
}

/**
 * Sums a gradient back to the shape of the operand that was broadcast to make it: the backward of numpy
 * broadcasting, used by every broadcasting op.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return g.sum(axes, true).reshape(shape); // methods, not imports: keeps this module free of import cycles
}

type Grad = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor;

export interface BinarySpec {
  /** The output dtype from the promoted operand dtype (default: the promoted dtype itself). */
  dtype?: (promoted: DType) => DType;
  /**
   * For two bool operands giving a bool result: the kernel that computes it (add: 'maximum', a logical or as in
   * PyTorch and numpy), or 'refuse' (sub: a DTypeError, as both). Default: the op's own kernel (mul is an and).
   */
  bool?: BinaryKernelName | 'refuse';
  /** Gradient with respect to a and b, before summing back over broadcast dimensions. Omit both for no grad. */
  da?: Grad;
  db?: Grad;
}

/**
 * The current backend's kernel `name`, looked up again only when the backend changes: a lookup by name on every
 * call (one call site for every op's name) cost W4 ~10 %.
 */
export function currentKernel<N extends keyof Backend>(name: N): () => Backend[N] {
  let owner: Backend | null = null;
  let kernel: Backend[N];
  return () => {
    const be = backend();
    if (be !== owner) {
      owner = be;
      kernel = be[name];
    }
    return kernel;
  };
}

/** Defines and registers a broadcasting binary op from the backend's kernel of its name and its two partial gradients. */
export function defineBinary(name: BinaryKernelName, spec: BinarySpec = {}): (a: Operand, b: Operand) => Tensor {
  const { da, db } = spec;
  const op = registerOp(name, da !== undefined);
  const kernel = currentKernel(name);
  const boolKernel = spec.bool === undefined || spec.bool === 'refuse' ? undefined : currentKernel(spec.bool);
  return (a, b) => {
    const [ta, tb] = operands(a, b);
    const shape = broadcastShapes(ta.shape, tb.shape, name);
    const promoted = promote(ta.dtype, tb.dtype);
    const out = alloc(shape, spec.dtype ? spec.dtype(promoted) : promoted);
    let run = kernel;
    if (promoted === 'bool' && out.dtype === 'bool' && spec.bool !== undefined) {
      if (boolKernel === undefined) throw new DTypeError(`${name}: not defined for two bool tensors (as in PyTorch and numpy); use logicalXor, or cast one first (x.astype('int32'))`);
      run = boolKernel;
    }
    run()(ta.data, ta.shape, tb.data, tb.shape, out.data, shape);
    if (da === undefined || db === undefined) return out;
    return record(op, out, [ta, tb], (g) => [
      ta.requiresGrad ? sumToShape(da(g, ta, tb, out), ta.shape) : null,
      tb.requiresGrad ? sumToShape(db(g, ta, tb, out), tb.shape) : null,
    ]);
  };
}

export interface UnarySpec {
  /** Int and bool inputs give a float result of the default dtype (exp, log, ...) rather than keeping theirs. */
  float?: boolean;
  /** A bool input is a DTypeError (neg: as PyTorch and numpy; use logicalNot). */
  refuseBool?: boolean;
  /** Gradient with respect to x. Omit for ops that pass no gradient. `ctx`: the walk's (see BackwardContext). */
  dx?: UnaryGrad;
}

type UnaryGrad = (g: Tensor, x: Tensor, out: Tensor, ctx: BackwardContext) => Tensor;

/** Defines and registers an elementwise op from the backend's kernel of its name and its derivative. */
export function defineUnary(name: UnaryKernelName, spec: UnarySpec = {}): (x: Operand) => Tensor {
  const { dx } = spec;
  const op = registerOp(name, dx !== undefined);
  const current = currentKernel(name);
  const kernel = (x: TypedArray, out: TypedArray) => current()(x, out);
  return (x) => {
    const t = asTensor(x);
    if (spec.refuseBool && t.dtype === 'bool') throw new DTypeError(`${name}: not defined for a bool tensor (as in PyTorch and numpy); use logicalNot`);
    return unaryApply(op, t, spec.float && !isFloat(t.dtype) ? getDefaultDtype() : t.dtype, kernel, dx);
  };
}

/**
 * Runs an elementwise kernel into a new tensor and records it as `op` (when dx is given); used by defineUnary and
 * the parameterized unary ops.
 */
export function unaryApply(
  op: OpName,
  x: Tensor,
  dtype: DType,
  kernel: (x: TypedArray, out: TypedArray) => void,
  dx: UnaryGrad | undefined,
): Tensor {
  const out = alloc(x.shape, dtype);
  kernel(x.data, out.data);
  if (dx === undefined) return out;
  return record(op, out, [x], (g, ctx) => [dx(g, x, out, ctx)]);
}


/** Slice specs that take [start, stop) (every step-th) along axis a and everything along the other axes. */
export function along(shape: Shape, a: number, start: number, stop: number, step = 1): SliceSpec[] {
  return shape.map((_, i) => (i === a ? [start, stop, step] : null));
}

/**
 * The dimensions of a call that takes them as one array or as numbers (PyTorch's `reshape(6, 4)`); anything
 * else is a ValueError that lists both forms.
 */
export function dimsOf(op: string, args: readonly unknown[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as number[]).slice();
  if (args.every((a) => typeof a === 'number')) return args.slice() as number[];
  throw new ValueError(`${op}: expected the dimensions as one array (${op}([2, 3])) or as numbers (${op}(2, 3)), got (${args.map(show).join(', ')})`);
}

/** A short description of an argument for an error message. */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (typeof v === 'string') return `'${v}'`;
  if (v instanceof Tensor) return `Tensor of shape ${fmt(v.shape)}`;
  return v !== null && typeof v === 'object' ? (v.constructor?.name ?? 'object') : String(v);
}
