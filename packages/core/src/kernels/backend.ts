// The kernel seam: every loop over tensor values that ops, autograd, nn and optim run is an entry of Backend.
//
// ---- ARCHITECTURE notes: backends ----
//
// A backend is one object implementing Backend. Entries work on plain typed arrays (Float32Array,
// Float64Array, Int32Array, and Uint8Array for uint8 and bool), never on Tensors: they read their inputs, write every element of their output
// (or update their in-place arguments), allocate nothing the caller sees, and throw nothing (callers check
// shapes, dtypes and indices first). Outputs arrive zero-filled from storage.ts, contiguous and row-major.
// An entry must give the same bits as the JS one (kernels/js.ts), so that the backend never changes a result:
// tests run the whole suite on 'js' and again with every matmul on 'wasm' (vitest.config.ts projects).
//
// The backends:
//   'js'    kernels/js.ts: every entry, as plain loops (the other files of kernels/). The oracle.
//   'wasm'  wasm/backend.ts: { ...jsBackend, name: 'wasm', matmul } (WebAssembly SIMD, wasm/runtime.ts), falling
//           back to the JS kernel below a FLOP threshold or when it cannot run.
// backend.ts holds the current one (setBackend swaps the object, backend() returns it) and chooses the default
// on first use; settings.ts reads the TENSORGRAD_* environment variables, lazily.
//
// Adding a backend (e.g. 'native', a Node-API addon working in place on the typed arrays' memory):
//   1. Write <name>/backend.ts exporting a function that returns { ...jsBackend, name: '<name>', <entries> }:
//      override any subset of entries, keep the JS ones for the rest; an entry may also fall back to the JS one
//      per call (as wasm's matmul does for small products). Node-only code (an addon, node: modules) loads
//      through settings.ts's builtinModule or a Node-only entry point, never a static `node:` import.
//   2. Add '<name>' to BackendName and to BACKENDS in backend.ts (with the check that it can run here, which
//      throws BackendError otherwise), and to the TENSORGRAD_BACKEND values in settings.ts.
//   3. Run the suite on it: a vitest project with TENSORGRAD_BACKEND=<name> (vitest.config.ts), and the
//      kernel-level comparisons against the JS entries (tests/wasm.test.ts shows how).
// backendInfo().overrides lists the entries a backend implements itself.
//
// Calling kernels: code in core imports `backend` from backend.ts and calls `backend().exp(x.data, out.data)`
// at the time of the call (never keep the object: setBackend swaps it). nn and optim do the same through
// core's public `backend()`.
import type { TypedArray } from '../dtype.js';
import type { WindowGeometry } from './conv.js';

export type { WindowGeometry } from './conv.js';

/**
 * How float32 matmul products are summed (modelled on torch.set_float32_matmul_precision; float64 always sums in
 * double):
 * - 'high' (default, as PyTorch and numpy's BLAS): float32 accumulation (every product and every sum rounded
 *   to float32): about twice as fast (twice the lanes per SIMD vector as float64).
 * - 'highest': float32 products summed in float64 in order over k, rounded once to float32 on store.
 *   This is the book's np.dot under nnfs.init() (float32 products, float64 sums), which the reproduction
 *   fixtures were made with; nn's nnfsInit() selects it.
 */
export type MatmulPrecision = 'highest' | 'high';

/** out = x op y with numpy broadcasting: a has aShape, b has bShape, out (contiguous) has outShape. */
export type BinaryKernel = (
  a: TypedArray, aShape: readonly number[],
  b: TypedArray, bShape: readonly number[],
  out: TypedArray, outShape: readonly number[],
) => void;

/** out[i] = f(x[i]), same length. */
export type UnaryKernel = (x: TypedArray, out: TypedArray) => void;

/** A reduction along one axis, x viewed as [outer, len, inner] and out as [outer, inner]. */
export type AxisKernel = (x: TypedArray, outer: number, len: number, inner: number, out: TypedArray) => void;

/** A scan along one axis: x and out both [outer, len, inner]. */
export type ScanKernel = (x: TypedArray, outer: number, len: number, inner: number, out: TypedArray) => void;

/** The names of the broadcasting binary entries: each is also the name of its op (ops/arith.ts). */
export type BinaryKernelName =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'
  // kernels/math.ts: fmod and remainder as C's fmod and Python's %, floorDivide as PyTorch's floor_divide
  | 'atan2' | 'fmod' | 'remainder' | 'floorDivide' | 'hypot' | 'copysign';
/** The names of the plain unary entries: each is also the name of its op (ops/unary.ts, ops/arith.ts). */
export type UnaryKernelName =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'relu' | 'sigmoid' | 'tanh' | 'step'
  // kernels/math.ts (Math's functions; erf, erfc, erfinv from special.ts to ~1 ulp; round halves to even)
  | 'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan' | 'sinh' | 'cosh' | 'asinh' | 'acosh' | 'atanh'
  | 'exp2' | 'expm1' | 'log2' | 'log10' | 'log1p' | 'rsqrt' | 'reciprocal' | 'erf' | 'erfc' | 'erfinv'
  | 'floor' | 'ceil' | 'round' | 'trunc';

export type Backend = { readonly [K in BinaryKernelName]: BinaryKernel } & { readonly [K in UnaryKernelName]: UnaryKernel } & BackendKernels;

export interface BackendKernels {
  readonly name: string;

  // ---- elementwise (kernels/elementwise.ts)
  leakyRelu(x: TypedArray, out: TypedArray, slope: number): void;
  /** numpy's clip, minimum(maximum(x, lo), hi): hi everywhere when lo > hi; NaN passes through. */
  clip(x: TypedArray, out: TypedArray, lo: number, hi: number): void;
  /** 1 where lo <= x <= hi, else 0 (clip's pass-through mask). */
  inRange(x: TypedArray, out: TypedArray, lo: number, hi: number): void;
  powScalar(x: TypedArray, out: TypedArray, p: number): void;
  /** g where x > 0, else g * 0; out may be g itself. */
  reluBackward(x: TypedArray, g: TypedArray, out: TypedArray): void;
  /** cond ? a : b, all three already of out's length. */
  select(cond: TypedArray, a: TypedArray, b: TypedArray, out: TypedArray): void;
  /** x[r, j] += row[j] for x [rows, cols] (a bias added to a fresh product). */
  addRowsInPlace(x: TypedArray, row: TypedArray, rows: number, cols: number): void;
  /** acc += x (same length): how gradients accumulate, in the backward walk and into .grad. */
  addInPlace(acc: TypedArray, x: TypedArray): void;
  /** Sets every NaN and ±Infinity of x to 0, in place (logsumexp's shift for all -inf rows). */
  zeroNonFinite(x: TypedArray): void;
  /** 1 if x has a NaN, | 2 if it has a ±Infinity (anomaly mode). */
  nonFiniteKinds(x: TypedArray): number;
  /** The index of the first NaN or ±Infinity of x, or -1 (the optimizers' check). */
  firstNonFinite(x: TypedArray): number;

  // ---- creation (kernels/elementwise.ts)
  /** out[i] = start + i * step (numpy's arange). */
  arange(out: TypedArray, start: number, step: number): void;
  /** numpy's linspace from start to stop inclusive, over out's length. */
  linspace(out: TypedArray, start: number, stop: number): void;
  /** Ones on the diagonal of out [n, m] (zero-filled). */
  eye(out: TypedArray, n: number, m: number): void;
  /** out[i, labels[i]] = 1 for out [labels.length, classes] (zero-filled); labels are checked by the caller. */
  oneHot(labels: Int32Array, classes: number, out: TypedArray): void;
  /** Inverted dropout's mask from uniform draws u: 1 / keep where u < keep, else 0. */
  dropoutMask(u: Float64Array, keep: number, out: TypedArray): void;

  // ---- reductions along one axis (kernels/reduce.ts)
  sumAxis: AxisKernel;
  /** max (sign 1) or min (sign -1); NaN propagates. */
  extremumAxis(x: TypedArray, outer: number, len: number, inner: number, out: TypedArray, sign: 1 | -1): void;
  /** Index of the first max (sign 1) or min (sign -1); the first NaN wins. out is int32. */
  argExtremumAxis(x: TypedArray, outer: number, len: number, inner: number, out: TypedArray, sign: 1 | -1): void;

  // ---- products, scans and orderings along one axis (kernels/scan.ts); scans write out as [outer, len, inner]
  /** The product over the axis, in order, in double. */
  prodAxis: AxisKernel;
  /** Running sums along the axis (in double, each stored in out's dtype). */
  cumsumAxis: ScanKernel;
  /** Running products along the axis (in double). */
  cumprodAxis: ScanKernel;
  /** Running log(sum(exp(x))) along the axis, one stable logaddexp per step. */
  logcumsumexpAxis: ScanKernel;
  /** The position along the axis of the running max (sign 1) or min (-1): the latest of ties; a NaN, once met, stays. */
  cumExtremumAxis(x: TypedArray, outer: number, len: number, inner: number, out: Int32Array, sign: 1 | -1): void;
  /** The positions that sort each row along the axis (stable; NaN above everything), out [outer, len, inner]. */
  sortAxis(x: TypedArray, outer: number, len: number, inner: number, out: Int32Array, descending: boolean): void;
  /** The position of each row's lower median (len >= 1), or of its first NaN, out [outer, inner]. */
  medianAxis(x: TypedArray, outer: number, len: number, inner: number, out: Int32Array): void;

  // ---- layout copies (kernels/layout.ts)
  /** out = x with axes permuted: out axis d is x axis perm[d]. */
  permute(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void;
  /** out (outShape, row-major) = x at offset + sum(index[d] * strides[d]). */
  stridedCopy(x: TypedArray, offset: number, strides: readonly number[], outShape: readonly number[], out: TypedArray): void;
  /** x at offset + sum(index[d] * strides[d]) += src (srcShape, row-major): stridedCopy's backward. */
  stridedAdd(src: TypedArray, x: TypedArray, offset: number, strides: readonly number[], srcShape: readonly number[]): void;
  /** part [outer, len*inner] into out's columns [at*inner, (at+len)*inner) of rows total*inner wide (concat). */
  copyBlock(part: TypedArray, outer: number, len: number, inner: number, out: TypedArray, at: number, total: number): void;
  /** out[o, j, i] = x[o, index[o, j, i], i], x [outer, len, inner], index and out [outer, m, inner]. */
  gather(x: TypedArray, outer: number, len: number, inner: number, index: Int32Array, m: number, out: TypedArray): void;
  /** out[o, index[o, j, i], i] += src[o, j, i]: gather's backward. */
  scatterAdd(src: TypedArray, outer: number, len: number, inner: number, index: Int32Array, m: number, out: TypedArray): void;
  /** out[o, j, :] = x[o, index[j], :], out [outer, index.length, inner]. */
  take(x: TypedArray, outer: number, len: number, inner: number, index: Int32Array, out: TypedArray): void;
  /** out[o, index[j], :] += src[o, j, :]: take's backward. */
  takeAdd(src: TypedArray, outer: number, len: number, inner: number, index: Int32Array, out: TypedArray): void;

  // ---- sliding windows (kernels/conv.ts): convolutions, pools, unfold and fold
  /**
   * PyTorch's F.unfold of x [n, c, h, w] into cols [n, c*kh*kw, oh*ow]: row (ch*kh + i)*kw + j, column p*ow + q
   * holds x[b, ch, p*sh - ph + i*dh, q*sw - pw + j*dw], or 0 in the padding.
   */
  im2col(x: TypedArray, geometry: WindowGeometry, cols: TypedArray): void;
  /** PyTorch's F.fold (im2col's adjoint): x [n, c, h, w] = the sum of the column entries im2col would read from each position. */
  col2im(cols: TypedArray, geometry: WindowGeometry, x: TypedArray): void;

  // ---- value-dependent sizes (kernels/select.ts)
  /** The number of nonzero elements of x (NaN counts). */
  countNonzero(x: TypedArray): number;
  /** The flat positions of x's nonzero elements, in order, into out (countNonzero(x) long). */
  nonzeroPositions(x: TypedArray, out: Int32Array): void;
  /** Row k of out [positions.length, shape.length] = the coordinates of flat position positions[k] in shape. */
  unravel(positions: Int32Array, shape: readonly number[], out: Int32Array): void;

  // ---- matmul (kernels/matmul.ts)
  /**
   * out[M,N] = op(a) @ op(b), where op(a) is [M,K] (a stored as [K,M] when transA) and op(b) is [K,N] (b stored
   * as [N,K] when transB). Offsets select one matrix of a batch; every element of out's block is written. Each
   * element sums over k in order; a float32 out sums as `precision` says, float64 and int32 in double.
   */
  matmul(
    a: TypedArray, aOff: number, transA: boolean,
    b: TypedArray, bOff: number, transB: boolean,
    out: TypedArray, outOff: number,
    M: number, K: number, N: number,
    precision: MatmulPrecision,
  ): void;
  /**
   * Optional: aOffs.length products as matmul computes each (the same bits), product i from a at aOffs[i] and b
   * at bOffs[i] into out at i*M*N; for a batch of small products (a convolution's, one per image). Without it,
   * ops call matmul once per product.
   */
  matmulBatch?(
    a: TypedArray, aOffs: Float64Array, transA: boolean,
    b: TypedArray, bOffs: Float64Array, transB: boolean,
    out: TypedArray,
    M: number, K: number, N: number,
    precision: MatmulPrecision,
  ): void;

  // ---- optimizer updates, in place on w and the state buffers (kernels/optim.ts). w, g and the buffers share
  // one float dtype. float32 rounds as numpy's float32 arithmetic does (one rounding per elementwise op, python
  // scalars made float32 first), float64 computes in double, as the notebook's optimizers.
  /** v = momentum * v - lr * g; w += v (nesterov: w += momentum * v - lr * g); v null: w -= lr * g. */
  sgdStep(w: TypedArray, g: TypedArray, v: TypedArray | null, momentum: number, lr: number, nesterov: boolean): void;
  /** cache += g^2; w += -lr * g / (sqrt(cache) + epsilon). */
  adagradStep(w: TypedArray, g: TypedArray, cache: TypedArray, lr: number, epsilon: number): void;
  /** cache = rho * cache + (1 - rho) * g^2; w += -lr * g / (sqrt(cache) + epsilon). */
  rmspropStep(w: TypedArray, g: TypedArray, cache: TypedArray, lr: number, epsilon: number, rho: number): void;
  /**
   * m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2; w = w * keep - lr (m / c1) / (sqrt(v / c2) + epsilon),
   * c1 and c2 the bias corrections 1 - beta^(t+1), keep AdamW's decoupled decay factor (1 for Adam).
   */
  adamStep(
    w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray,
    lr: number, epsilon: number, beta1: number, beta2: number, c1: number, c2: number, keep: number,
  ): void;

  // ---- fused losses (kernels/losses.ts)
  /**
   * Softmax cross-entropy of logits [n, c] against int labels, one pass per row, with the values the tensor ops
   * would give (each step rounded to the logits' dtype): probs [n, c] and the per-sample losses [n], each loss
   * bounded as clipping p to [clip, 1 - clip] bounds it (clip 0: unbounded).
   */
  softmaxCrossEntropy(logits: TypedArray, labels: Int32Array, n: number, c: number, clip: number, probs: TypedArray, losses: TypedArray): void;
  /** out = (probs - onehot(labels)) * g[row], rounded as probs.sub(oneHot).mul(g) rounds. */
  softmaxCrossEntropyBackward(probs: TypedArray, labels: Int32Array, g: TypedArray, n: number, c: number, out: TypedArray): void;
}
