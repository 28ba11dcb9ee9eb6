// @tensorgrad/core/testing: fast-check arbitraries for property tests of ops and their gradients.
// A separate entry point so that core's main entry never loads fast-check (a peer dependency of this one only).
import fc, { type Arbitrary, type IProperty } from 'fast-check';
import { Tensor, tensor, gradcheck, gradgradcheck, ValueError, type DType, type Shape, type GradcheckOptions } from './index.js';

export interface ShapeOptions {
  /** Fewest dimensions (default 0: scalars included). */
  minDims?: number;
  /** Most dimensions (default 3). */
  maxDims?: number;
  /** Smallest length of a dimension (default 1). */
  minSide?: number;
  /** Largest length of a dimension (default 3). */
  maxSide?: number;
}

export interface BroadcastOptions extends ShapeOptions {
  /** How many mutually broadcastable shapes to draw (default 2). */
  count?: number;
}

export interface TensorArbOptions {
  /** Default 'float64', the dtype gradients are checked in. */
  dtype?: DType;
  /** Value range, inclusive (default -2 to 2). */
  min?: number;
  max?: number;
  /** Kinks and poles to stay away from, e.g. [0] for relu or abs. */
  avoid?: readonly number[];
  /** Least distance from each point in `avoid`, and between values when `distinct` (default 0.01). */
  margin?: number;
  /** Values pairwise at least `margin` apart, e.g. for max/min, whose gradient is split on ties. */
  distinct?: boolean;
  /** Default true for float dtypes (int32 tensors cannot require grad). */
  requiresGrad?: boolean;
}

const TO_STRING = Symbol.for('fast-check/toStringMethod');
const CLONE = Symbol.for('fast-check/cloneMethod');

function checkInt(value: number, name: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new ValueError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function shapeBounds(options: ShapeOptions, what: string) {
  const { minDims = 0, maxDims = Math.max(3, minDims), minSide = 1, maxSide = Math.max(3, minSide) } = options;
  checkInt(minDims, `${what}: minDims`, 0);
  checkInt(minSide, `${what}: minSide`, 0);
  if (checkInt(maxDims, `${what}: maxDims`, 0) < minDims) throw new ValueError(`${what}: maxDims (${maxDims}) < minDims (${minDims})`);
  if (checkInt(maxSide, `${what}: maxSide`, 0) < minSide) throw new ValueError(`${what}: maxSide (${maxSide}) < minSide (${minSide})`);
  return { minDims, maxDims, minSide, maxSide };
}

/** Shapes with minDims..maxDims dimensions of minSide..maxSide each; shrinks toward fewer, shorter dimensions. */
export function shapeArb(options: ShapeOptions = {}): Arbitrary<number[]> {
  const b = shapeBounds(options, 'shapeArb');
  return fc.array(fc.integer({ min: b.minSide, max: b.maxSide }), { minLength: b.minDims, maxLength: b.maxDims });
}

/**
 * `count` shapes (default 2) that numpy broadcasting accepts together: drawn from one full shape, each with
 * some leading dimensions dropped and some dimensions set to 1. Shrinks toward equal, small shapes.
 */
export function broadcastShapesArb(options: BroadcastOptions = {}): Arbitrary<number[][]> {
  const b = shapeBounds(options, 'broadcastShapesArb');
  const count = checkInt(options.count ?? 2, 'broadcastShapesArb: count', 1);
  const operand = fc.tuple(
    fc.nat({ max: b.maxDims }), // leading dimensions to drop
    fc.array(fc.boolean(), { minLength: b.maxDims, maxLength: b.maxDims }), // dimensions set to 1
  );
  return fc
    .tuple(shapeArb(b), fc.array(operand, { minLength: count, maxLength: count }))
    .map(([full, operands]) =>
      operands.map(([drop, ones]) => {
        // never below minDims: shapes that a caller's op needs at least that many dimensions for
        const kept = Math.max(full.length - drop, Math.min(b.minDims, full.length));
        return full.slice(full.length - kept).map((d, i) => (ones[i] ? 1 : d));
      }),
    );
}

/** The shape that numpy broadcasting gives for `shapes` (which must broadcast together). */
export function broadcastShape(...shapes: Shape[]): number[] {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(n).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = i + n - s.length;
      if (s[i] !== 1 && out[j] !== 1 && s[i] !== out[j]) {
        throw new ValueError(`broadcastShape: shapes ${shapes.map((t) => `[${t.join(', ')}]`).join(', ')} do not broadcast together`);
      }
      if (s[i] !== 1) out[j] = s[i];
    }
  }
  return out;
}

/** v moved to `margin` from each kink it is nearer than that to (to the side it was on, unless that leaves [min, max]). */
function awayFrom(v: number, kinks: readonly number[], margin: number, min: number, max: number): number {
  const m = margin * (1 + 2 ** -40); // a hair more, so that rounding in k ± m cannot land inside the margin
  for (const k of kinks) {
    if (Math.abs(v - k) >= margin) continue;
    const up = k + m, down = k - m;
    v = v >= k ? (up <= max ? up : down) : down >= min ? down : up;
  }
  return v;
}

/** Options checked and filled in, with the arbitrary of one value. */
interface Resolved {
  dtype: DType;
  min: number;
  max: number;
  kinks: number[];
  margin: number;
  distinct: boolean;
  requiresGrad: boolean;
  value: Arbitrary<number>;
}

function resolve(options: TensorArbOptions): Resolved {
  const { dtype = 'float64', min = -2, max = 2, avoid = [], margin = 0.01, distinct = false } = options;
  const requiresGrad = options.requiresGrad ?? dtype !== 'int32';
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') throw new ValueError(`tensorArb: unknown dtype '${String(dtype)}'`);
  if (!(min <= max) || !Number.isFinite(min) || !Number.isFinite(max)) throw new ValueError(`tensorArb: needs finite min <= max, got ${min} and ${max}`);
  if (!(margin >= 0)) throw new ValueError(`tensorArb: margin must be >= 0, got ${margin}`);
  if (dtype === 'int32' && requiresGrad) throw new ValueError('tensorArb: int32 tensors cannot require grad');
  if (dtype === 'int32' && distinct) throw new ValueError('tensorArb: distinct is for float dtypes');
  const kinks = [...avoid].sort((a, b) => a - b);
  for (let i = 1; i < kinks.length; i++) {
    if (kinks[i] - kinks[i - 1] < 2 * margin) {
      throw new ValueError(`tensorArb: points to avoid ${kinks[i - 1]} and ${kinks[i]} are closer than twice the margin (${margin})`);
    }
  }
  let value: Arbitrary<number> =
    dtype === 'int32'
      ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
      : fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((v) => awayFrom(v, kinks, margin, min, max));
  if (dtype === 'float32') value = value.map(Math.fround);
  return { dtype, min, max, kinks, margin, distinct, requiresGrad, value };
}

/** Longest pool of values drawn for a tensor whose shape is drawn too; larger tensors repeat it. */
const POOL = 128;

/**
 * Values for a tensor whose shape is not known yet. Drawn beside the shape (not chained from it) so that
 * shrinking can drop values from the front of the pool, bringing a failing value to a tensor of one element.
 */
const poolArb = (o: Resolved) => fc.array(o.value, { minLength: 1, maxLength: POOL, size: 'max' });

function fromPool(pool: readonly number[], shape: Shape, o: Resolved, offset = 0): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const values = new Array<number>(size);
  for (let i = 0; i < size; i++) values[i] = pool[(i + offset) % pool.length];
  return build(values, shape, o);
}

const build = (values: readonly number[], shape: Shape, o: Resolved) =>
  printable(tensor(values, { dtype: o.dtype, shape, requiresGrad: o.requiresGrad }));

/**
 * Tensors of `shape` (or of shapes drawn from an arbitrary, which shrink toward one element) with values in
 * [min, max], kept `margin` away from the points in `avoid`. In a failure report a tensor prints as the
 * `tensor(...)` call that rebuilds it as drawn (values, shape, dtype), and fast-check's copies for reruns
 * while shrinking are rebuilt from the drawn values, so a property may write into .data or call backward().
 */
export function tensorArb(shape: Shape | Arbitrary<Shape>, options: TensorArbOptions = {}): Arbitrary<Tensor> {
  const o = resolve(options);
  if (!Array.isArray(shape)) {
    const shapes = shape as Arbitrary<Shape>;
    if (o.distinct) return shapes.chain((s) => tensorArb(s, options));
    return fc.tuple(shapes, poolArb(o)).map(([s, pool]) => fromPool(pool, s, o));
  }
  const size = shape.reduce((p, d) => p * d, 1);
  const dims = shape.slice();
  const values = o.distinct ? distinctValues(size, o) : fc.array(o.value, { minLength: size, maxLength: size });
  return values.map((vs) => build(vs, dims, o));
}

/**
 * n values in [min, max], pairwise at least `margin` apart, in random order. Built rather than filtered (a
 * filter or a unique array stalls when biased draws keep colliding): sorted offsets in the range left over
 * after n - 1 gaps, plus i gaps for the i-th.
 */
function distinctValues(n: number, o: Resolved): Arbitrary<number[]> {
  const { min, max, kinks, margin } = o;
  const span = max - min - Math.max(0, n - 1) * margin;
  if (span < 0) throw new ValueError(`tensorArb: ${n} values ${margin} apart do not fit in [${min}, ${max}]`);
  const round = o.dtype === 'float32' ? Math.fround : (v: number) => v;
  const built = fc
    .tuple(
      fc.array(fc.double({ min: 0, max: span, noNaN: true }), { minLength: n, maxLength: n }),
      fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }),
    )
    .map(([offsets, order]) => {
      const sorted = offsets.slice().sort((a, b) => a - b);
      const out = new Array<number>(n);
      order.forEach((at, i) => (out[at] = round(awayFrom(Math.min(max, min + sorted[i] + i * margin), kinks, margin, min, max))));
      return out;
    });
  if (kinks.length === 0) return built;
  // moving values off a kink can land two on the same spot: drop those draws (rare)
  return built.filter((vs) => {
    const sorted = vs.slice().sort((a, b) => a - b);
    return sorted.every((v, i) => i === 0 || v - sorted[i - 1] >= margin * (1 - 1e-6));
  });
}

/**
 * Tensors for a list of shapes (e.g. from broadcastShapesArb), with one set of options for all of them or
 * one per tensor. Like tensorArb over drawn shapes, values are drawn beside the shapes so shrinking works.
 */
export function tensorsArb(shapes: Arbitrary<readonly Shape[]>, options: TensorArbOptions | readonly TensorArbOptions[] = {}): Arbitrary<Tensor[]> {
  const list = Array.isArray(options) ? (options as readonly TensorArbOptions[]).map(resolve) : [resolve(options as TensorArbOptions)];
  if (list.some((o) => o.distinct)) {
    return shapes.chain((ss) => fc.tuple(...ss.map((s, i) => tensorArb(s, Array.isArray(options) ? options[i] : options))));
  }
  // one pool per option set; with shared options, a few pools taken in turn (each turn starting further on)
  const pools = Array.isArray(options) ? fc.tuple(...list.map(poolArb)) : fc.array(poolArb(list[0]), { minLength: 4, maxLength: 4 });
  return fc.tuple(shapes, pools).map(([ss, ps]) => {
    if (Array.isArray(options) && options.length !== ss.length) {
      throw new ValueError(`tensorsArb: ${options.length} option sets for ${ss.length} shapes`);
    }
    return ss.map((s, i) => fromPool(ps[i % ps.length], s, list[i % list.length], Math.floor(i / ps.length) * 7));
  });
}

/**
 * Makes t print in fast-check reports as the `tensor(...)` call that rebuilds it as it is now, and gives
 * fast-check a way to copy it (fresh, from those values) when it reruns a value while shrinking.
 * tensorArb's values already are printable; use it for tensors built in your own `.map`.
 */
export function printable<T extends Tensor>(t: T): T {
  const data = t.data.slice();
  const shape = t.shape.slice();
  const requiresGrad = t.isLeaf && t.requiresGrad;
  Object.defineProperty(t, TO_STRING, { value: () => source(data, shape, t.dtype, requiresGrad), configurable: true });
  Object.defineProperty(t, CLONE, { value: () => printable(tensor(data.slice(), { dtype: t.dtype, shape, requiresGrad })), configurable: true });
  return t;
}

/** JavaScript source that rebuilds t's values, shape and dtype, with every digit needed to reproduce them. */
export function tensorSource(t: Tensor): string {
  return source(t.data, t.shape, t.dtype, t.requiresGrad);
}

function source(data: Tensor['data'], shape: Shape, dtype: DType, requiresGrad: boolean): string {
  const num = (v: number): string => {
    if (Object.is(v, -0)) return '-0';
    if (dtype !== 'float32' || !Number.isFinite(v)) return String(v);
    for (let p = 1; p < 17; p++) {
      const s = String(Number(v.toPrecision(p))); // the shortest decimal that reads back as the same float32
      if (Math.fround(Number(s)) === v) return s;
    }
    return String(v);
  };
  const nested = (dim: number, offset: number): string => {
    if (dim === shape.length) return num(data[offset]);
    let stride = 1;
    for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
    const parts: string[] = [];
    for (let i = 0; i < shape[dim]; i++) parts.push(nested(dim + 1, offset + i * stride));
    return `[${parts.join(', ')}]`;
  };
  const values = data.length === 0 ? '[]' : nested(0, 0);
  const grad = requiresGrad ? ', requiresGrad: true' : '';
  return `tensor(${values}, { shape: [${shape.join(', ')}], dtype: '${dtype}'${grad} })`;
}

export interface GradcheckPropertyOptions extends Omit<GradcheckOptions, 'raiseException'> {
  /** 1: gradcheck (default); 2: gradgradcheck, which also checks the backward's own gradient. */
  order?: 1 | 2;
}

/**
 * A fast-check property that `f`'s gradients with respect to the drawn tensors (those that require grad)
 * match central differences. A failure throws a GradcheckError naming the input, element and both values.
 */
export function gradcheckProperty(
  inputs: Arbitrary<Tensor> | Arbitrary<readonly Tensor[]>,
  f: (...xs: Tensor[]) => Tensor,
  options: GradcheckPropertyOptions = {},
): IProperty<[Tensor | readonly Tensor[]]> {
  const { order = 1, ...rest } = options;
  const check = order === 2 ? gradgradcheck : gradcheck;
  return fc.property(inputs as Arbitrary<Tensor | readonly Tensor[]>, (xs) => {
    check(f, xs instanceof Tensor ? [xs] : xs, { ...rest, raiseException: true });
  });
}
