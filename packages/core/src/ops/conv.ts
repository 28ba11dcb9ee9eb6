// Convolutions, pools, unfold and fold, as torch.nn.functional has them (NCHW). unfold and fold are the two
// recorded ops, on the im2col/col2im kernels, each the other's backward; a convolution is unfold then one
// matmul (then fold, for the transposed one), and a pool is unfold then a reduction, so every gradient, of
// every order, is built from ops.
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { record } from '../autograd.js';
import { fmt } from '../shape.js';
import { alloc, type Tensor } from '../tensor.js';
import { backend } from '../backend.js';
import type { WindowGeometry } from '../kernels/backend.js';
import { checkTensor, show } from './op.js';
import { adaptiveOutputSize, checkDivisorOverride, checkOutputPadding, checkPoolPadding, checkSameStride, perAxis } from '../util.js';
import { registerOp } from './registry.js';
import { add, div } from './arith.js';
import { sum, argmax } from './reduce.js';
import { matmul } from './linalg.js';
import { reshape, transpose, unsqueeze, squeeze } from './shape.js';
import { gather } from './indexing.js';
import { pad } from './manipulation.js';
import { tensor } from './creation.js';

/** A size for each spatial axis, or one number for all of them (PyTorch's int or tuple). */
export type Size2 = number | readonly number[];

export interface WindowOptions {
  /** Default 1. */
  dilation?: Size2;
  /** Zeros added on both sides of each spatial axis. Default 0. */
  padding?: Size2;
  /** Default 1. */
  stride?: Size2;
}

export interface ConvOptions {
  stride?: Size2;
  /** Zeros on both sides; 'valid' is 0, 'same' keeps the input's size (stride 1 only; an odd total puts the extra zero after). */
  padding?: Size2 | 'same' | 'valid';
  dilation?: Size2;
  /** Input and output channels split into this many groups, each convolved with its own filters. Default 1. */
  groups?: number;
}

export interface ConvTransposeOptions {
  stride?: Size2;
  /** Removes dilation * (kernel - 1) - padding zeros of implicit padding from each side (PyTorch's meaning). */
  padding?: Size2;
  /** Extra size added to one side of the output (below max(stride, dilation)). */
  outputPadding?: Size2;
  groups?: number;
  dilation?: Size2;
}

export interface MaxPoolOptions {
  /** Default: the kernel size. */
  stride?: Size2;
  /** -Infinity on both sides, at most half the kernel. */
  padding?: Size2;
  dilation?: Size2;
  /** Rounds the output size up: a last window may start in the input and run past it. */
  ceilMode?: boolean;
}

export interface AvgPoolOptions {
  /** Default: the kernel size. */
  stride?: Size2;
  /** Zeros on both sides, at most half the kernel. */
  padding?: Size2;
  ceilMode?: boolean;
  /** Whether the padding zeros count in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
  /** Divides every window's sum by this instead. */
  divisorOverride?: number;
}

/**
 * perAxis() for a 1-D or 2-D op: a 1-D op runs on a length-1 height axis, whose kernel size, stride and dilation are
 * 1 and padding 0 (`min`, each time).
 */
function spatial(v: unknown, dims: 1 | 2, op: string, name: string, min: number): number[] {
  return dims === 1 ? [min, ...perAxis(v, 1, op, name, min)] : perAxis(v, 2, op, name, min);
}

function checkGroups(groups: unknown, op: string): number {
  if (!Number.isInteger(groups) || (groups as number) < 1) throw new ValueError(`${op}: groups must be a positive integer, got ${show(groups)}`);
  return groups as number;
}

/** The number of window positions along one axis (PyTorch's formula), and whether it is too small. */
function positions(len: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = len + 2 * p - d * (k - 1) - 1;
  if (span < 0) return 0;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= len + p) o--; // the last window must start inside the input or its left padding
  return o;
}

interface Window {
  k: number[];
  s: number[];
  p: number[];
  d: number[];
}

/** The geometry of `win` over x [n, c, h, w], or a ShapeError when not one window fits. */
function geometry(op: string, shape: readonly number[], win: Window, ceil = false): WindowGeometry {
  const [n, c, h, w] = shape;
  const { k, s, p, d } = win;
  const oh = positions(h, k[0], s[0], p[0], d[0], ceil), ow = positions(w, k[1], s[1], p[1], d[1], ceil);
  if (oh < 1 || ow < 1) {
    throw new ShapeError(
      `${op}: the input's spatial size ${h} x ${w} (padding ${p[0]} x ${p[1]}) is smaller than the kernel ` +
        `${k[0]} x ${k[1]} with dilation ${d[0]} x ${d[1]}, which spans ${d[0] * (k[0] - 1) + 1} x ${d[1] * (k[1] - 1) + 1}`,
    );
  }
  return { n, c, h, w, kh: k[0], kw: k[1], sh: s[0], sw: s[1], ph: p[0], pw: p[1], dh: d[0], dw: d[1], oh, ow };
}

const UNFOLD_OP = registerOp('unfold', true);
const FOLD_OP = registerOp('fold', true);

/** x [n, c, h, w] -> cols [n, c*kh*kw, oh*ow]; its backward is col2im's. */
function im2colOp(x: Tensor, g: WindowGeometry): Tensor {
  const out = alloc([g.n, g.c * g.kh * g.kw, g.oh * g.ow], x.dtype);
  backend().im2col(x.data, g, out.data);
  // each backward's result is a new array nothing else holds: the walk may write into it (relu's backward does)
  return record(UNFOLD_OP, out, [x], (grad, ctx) => [ctx.fresh(col2imOp(grad, g))]);
}

/** cols [n, c*kh*kw, oh*ow] -> x [n, c, h, w], the sum over windows; its backward is im2col's. */
function col2imOp(cols: Tensor, g: WindowGeometry): Tensor {
  const out = alloc([g.n, g.c, g.h, g.w], cols.dtype);
  backend().col2im(cols.data, g, out.data);
  return record(FOLD_OP, out, [cols], (grad, ctx) => [ctx.fresh(im2colOp(grad, g))]);
}

/**
 * x with a batch axis: [1, ...x] when it has `dims` + 1 axes (unbatched), x itself with `dims` + 2; else a ShapeError
 * that names `layout`, the axes after the batch one.
 */
function batched(x: Tensor, dims: number, op: string, layout = dims === 1 ? 'C, L' : 'C, H, W'): [Tensor, boolean] {
  checkTensor(x, op, 'the input');
  if (x.ndim === dims + 2) return [x, false];
  if (x.ndim === dims + 1) return [unsqueeze(x, 0), true];
  throw new ShapeError(`${op}: the input must be [N, ${layout}] or [${layout}], got shape ${fmt(x.shape)}`);
}

/** The checked window of a 1-D or 2-D op; the stride defaults to 1, or for a pool (`pool`) to the kernel. */
function windowOf(op: string, dims: 1 | 2, kernelSize: unknown, o: WindowOptions, pool = false): Window {
  const k = spatial(kernelSize, dims, op, 'kernelSize', 1);
  return {
    k,
    s: pool && o.stride === undefined ? k : spatial(o.stride ?? 1, dims, op, 'stride', 1),
    p: spatial(o.padding ?? 0, dims, op, 'padding', 0),
    d: spatial(o.dilation ?? 1, dims, op, 'dilation', 1),
  };
}

/**
 * PyTorch's F.unfold (im2col): the sliding windows of x [N, C, H, W] (or [C, H, W]) as columns,
 * [N, C * kh * kw, L] with L the number of window positions; row (c * kh + i) * kw + j is kernel offset (i, j) of channel c.
 */
export function unfold(x: Tensor, kernelSize: Size2, options: WindowOptions = {}): Tensor {
  const [x4, unbatched] = batched(x, 2, 'unfold');
  const out = im2colOp(x4, geometry('unfold', x4.shape, windowOf('unfold', 2, kernelSize, options)));
  return unbatched ? squeeze(out, 0) : out;
}

/**
 * PyTorch's F.fold (col2im), unfold's adjoint: columns [N, C * kh * kw, L] (or unbatched) summed back into
 * [N, C, ...outputSize], each entry added at the position unfold took it from.
 */
export function fold(x: Tensor, outputSize: Size2, kernelSize: Size2, options: WindowOptions = {}): Tensor {
  const [x3, unbatched] = batched(x, 1, 'fold', 'C * kh * kw, L');
  const [h, w] = perAxis(outputSize, 2, 'fold', 'outputSize', 1);
  const win = windowOf('fold', 2, kernelSize, options);
  const kk = win.k[0] * win.k[1];
  if (x3.shape[1] % kk !== 0) {
    throw new ShapeError(`fold: the input's dimension 1 (${x3.shape[1]}) must be divisible by the kernel's ${win.k[0]} x ${win.k[1]} = ${kk} (it is C * kh * kw)`);
  }
  const g = geometry('fold', [x3.shape[0], x3.shape[1] / kk, h, w], win);
  if (x3.shape[2] !== g.oh * g.ow) {
    throw new ShapeError(`fold: an output of ${h} x ${w} has ${g.oh} x ${g.ow} = ${g.oh * g.ow} windows, but the input has L = ${x3.shape[2]} (shape ${fmt(x.shape)})`);
  }
  const out = col2imOp(x3, g);
  return unbatched ? squeeze(out, 0) : out;
}

/** The checks a convolution's operands share: dtypes, the weight's rank, the bias's shape. */
function checkConvOperands(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, outChannels: number, layout: string, rank: number): void {
  checkTensor(weight, op, 'the weight');
  if (bias !== null && bias !== undefined) checkTensor(bias, op, 'the bias');
  if (weight.ndim !== rank) throw new ShapeError(`${op}: the weight must be ${layout}, got shape ${fmt(weight.shape)}`);
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && t.dtype !== x.dtype) throw new DTypeError(`${op}: the ${name} is ${t.dtype} but the input is ${x.dtype}; they must match`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new ShapeError(`${op}: the bias must be [${outChannels}] (one per output channel), got shape ${fmt(bias.shape)}`);
  }
}

/**
 * The convolution conv2d and conv1d share: x [N, C, *] (or [C, *]) with weight [O, C / groups, *] over `dims`
 * spatial axes; a 1-D one runs as a 2-D one over a height of 1.
 */
function conv(op: string, dims: 1 | 2, input: Tensor, filters: Tensor, bias: Tensor | null | undefined, o: ConvOptions): Tensor {
  const [xb, unbatched] = batched(input, dims, op);
  checkConvOperands(op, xb, filters, bias, filters?.shape?.[0], dims === 1 ? '[O, C / groups, k]' : '[O, C / groups, kh, kw]', dims + 2);
  const groups = checkGroups(o.groups ?? 1, op);
  const [n, c] = xb.shape;
  const out = filters.shape[0];
  if (c % groups !== 0 || out % groups !== 0) {
    throw new ValueError(`${op}: groups (${groups}) must divide both the input channels (${c}) and the output channels (${out})`);
  }
  if (filters.shape[1] * groups !== c) {
    throw new ShapeError(`${op}: the weight ${fmt(filters.shape)} expects ${filters.shape[1] * groups} input channels (${filters.shape[1]} per group x ${groups} groups), but the input has ${c} (shape ${fmt(xb.shape)})`);
  }
  let x = dims === 1 ? unsqueeze(xb, 2) : xb;
  const weight = dims === 1 ? unsqueeze(filters, 2) : filters;
  const k = [weight.shape[2], weight.shape[3]];
  const d = spatial(o.dilation ?? 1, dims, op, 'dilation', 1);
  const s = spatial(o.stride ?? 1, dims, op, 'stride', 1);
  let p: number[];
  if (o.padding === 'same') {
    checkSameStride(op, s, o.stride);
    // d * (k - 1) zeros in all per axis; an odd total puts the extra one after, as PyTorch does
    const total = k.map((kk, i) => d[i] * (kk - 1));
    p = total.map((t) => Math.floor(t / 2));
    if (total.some((t) => t % 2 === 1)) {
      x = pad(x, [p[1], total[1] - p[1], p[0], total[0] - p[0]]);
      p = [0, 0];
    }
  } else if (o.padding === 'valid') {
    p = [0, 0];
  } else if (typeof o.padding === 'string') {
    throw new ValueError(`${op}: padding must be 'same', 'valid', or sizes, got ${show(o.padding)}`);
  } else {
    p = spatial(o.padding ?? 0, dims, op, 'padding', 0);
  }
  const g = geometry(op, x.shape, { k, s, p, d });
  const cols = im2colOp(x, g); // [N, C*kh*kw, L]
  const ck = (c / groups) * k[0] * k[1], L = g.oh * g.ow;
  let y =
    groups === 1
      ? matmul(reshape(weight, [out, ck]), cols)
      : reshape(matmul(reshape(weight, [groups, out / groups, ck]), reshape(cols, [n, groups, ck, L])), [n, out, L]);
  if (bias) y = add(y, reshape(bias, [out, 1]));
  y = dims === 1 ? reshape(y, [n, out, g.ow]) : reshape(y, [n, out, g.oh, g.ow]);
  return unbatched ? squeeze(y, 0) : y;
}

registerOp('conv2d', true);
/**
 * PyTorch's F.conv2d: x [N, C, H, W] (or [C, H, W]) with weight [O, C / groups, kh, kw] and an optional bias [O]
 * -> [N, O, H', W'] (cross-correlation, as every deep-learning library computes it).
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return conv('conv2d', 2, x, weight, bias, options);
}

registerOp('conv1d', true);
/** PyTorch's F.conv1d: x [N, C, L] (or [C, L]) with weight [O, C / groups, k] and an optional bias [O] -> [N, O, L']. */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return conv('conv1d', 1, x, weight, bias, options);
}

registerOp('convTranspose2d', true);
/**
 * PyTorch's F.conv_transpose2d (conv2d's gradient with respect to its input): x [N, C, H, W] (or [C, H, W]) with
 * weight [C, O / groups, kh, kw] and an optional bias [O] -> [N, O, H', W'], H' = (H - 1) * stride - 2 * padding
 * + dilation * (kh - 1) + outputPadding + 1. Computed as one matmul then fold.
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvTransposeOptions = {}): Tensor {
  const op = 'convTranspose2d';
  const [x4, unbatched] = batched(x, 2, op);
  const groups = checkGroups(options.groups ?? 1, op);
  checkConvOperands(op, x4, weight, bias, weight?.shape?.[1] * groups, '[C, O / groups, kh, kw]', 4);
  const [n, c, h, w] = x4.shape;
  if (weight.shape[0] !== c || c % groups !== 0) {
    throw new ShapeError(`${op}: the weight ${fmt(weight.shape)} expects ${weight.shape[0]} input channels in ${groups} groups, but the input has ${c} (shape ${fmt(x.shape)})`);
  }
  const k = [weight.shape[2], weight.shape[3]];
  const s = perAxis(options.stride ?? 1, 2, op, 'stride', 1);
  const p = perAxis(options.padding ?? 0, 2, op, 'padding', 0);
  const d = perAxis(options.dilation ?? 1, 2, op, 'dilation', 1);
  const op2 = perAxis(options.outputPadding ?? 0, 2, op, 'outputPadding', 0);
  checkOutputPadding(op, op2, s, d, options.outputPadding);
  const size = [h, w].map((len, i) => (len - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op2[i] + 1);
  if (size[0] < 1 || size[1] < 1) throw new ShapeError(`${op}: the output size ${size[0]} x ${size[1]} is not positive (input ${h} x ${w}, padding ${fmt(p)})`);
  const out = weight.shape[1] * groups, cg = c / groups, ok = (out / groups) * k[0] * k[1];
  // columns [N, O * kh * kw, H * W]: the weights of each group, transposed, times that group's input channels
  const wT = transpose(reshape(weight, [groups, cg, ok]), 1, 2);
  const cols = reshape(matmul(wT, reshape(x4, [n, groups, cg, h * w])), [n, out * k[0] * k[1], h * w]);
  // the windows of an output of this size are exactly the H x W input positions
  const g: WindowGeometry = { n, c: out, h: size[0], w: size[1], kh: k[0], kw: k[1], sh: s[0], sw: s[1], ph: p[0], pw: p[1], dh: d[0], dw: d[1], oh: h, ow: w };
  let y = col2imOp(cols, g);
  if (bias) y = add(y, reshape(bias, [out, 1, 1]));
  return unbatched ? squeeze(y, 0) : y;
}

/** x [N, C, ...] or [C, ...] (pools treat batch and channels alike) as [N*C, 1, H, W] (H 1 when 1-D), and its leading axes. */
function planes(x: Tensor, dims: 1 | 2, op: string): [Tensor, number[]] {
  const [n, c, ...lengths] = batched(x, dims, op)[0].shape;
  return [reshape(x, [n * c, 1, ...(dims === 1 ? [1, ...lengths] : lengths)]), x.shape.slice(0, x.ndim - dims)];
}

/** A pool's window from its 1-D or 2-D options (stride defaults to the kernel); padding at most half the kernel. */
function poolWindow(op: string, dims: 1 | 2, kernelSize: unknown, o: WindowOptions): Window {
  const win = windowOf(op, dims, kernelSize, o, true);
  checkPoolPadding(op, win.k, win.p, { padding: o.padding, kernelSize });
  return win;
}

function maxPool(op: string, dims: 1 | 2, x: Tensor, kernelSize: Size2, o: MaxPoolOptions): Tensor {
  const [x4, lead] = planes(x, dims, op);
  const win = poolWindow(op, dims, kernelSize, o);
  const g = geometry(op, x4.shape, win, o.ceilMode ?? false);
  const { k, s, p, d } = win;
  // -Infinity around the input (its padding, and what a ceil-mode last window runs past), then windows without padding
  const extra = [g.oh, g.ow].map((o2, i) => Math.max(0, (o2 - 1) * s[i] + d[i] * (k[i] - 1) + 1 - ([g.h, g.w][i] + 2 * p[i])));
  const fill = isFloat(x.dtype) ? -Infinity : -(2 ** 31);
  const padded = p.some((v) => v > 0) || extra.some((v) => v > 0) ? pad(x4, [p[1], p[1] + extra[1], p[0], p[0] + extra[0]], { value: fill }) : x4;
  const cols = im2colOp(padded, { ...g, h: padded.shape[2], w: padded.shape[3], ph: 0, pw: 0 }); // [N*C, kh*kw, L]
  // the first maximum of each window, gathered: its gradient goes to that one element, as PyTorch's does
  const out = gather(cols, argmax(cols, 1, true), 1);
  return reshape(out, dims === 1 ? [...lead, g.ow] : [...lead, g.oh, g.ow]);
}

registerOp('maxPool2d', true);
/** PyTorch's F.max_pool2d over x [N, C, H, W] (or [C, H, W]); a window's gradient goes to its first maximum. */
export function maxPool2d(x: Tensor, kernelSize: Size2, options: MaxPoolOptions = {}): Tensor {
  return maxPool('maxPool2d', 2, x, kernelSize, options);
}

registerOp('maxPool1d', true);
/** PyTorch's F.max_pool1d over x [N, C, L] (or [C, L]). */
export function maxPool1d(x: Tensor, kernelSize: Size2, options: MaxPoolOptions = {}): Tensor {
  return maxPool('maxPool1d', 1, x, kernelSize, options);
}

function avgPool(op: string, dims: 1 | 2, x: Tensor, kernelSize: Size2, o: AvgPoolOptions): Tensor {
  const [x4, lead] = planes(x, dims, op);
  const win = poolWindow(op, dims, kernelSize, o);
  const { countIncludePad = true } = o;
  const divisorOverride = checkDivisorOverride(op, o.divisorOverride);
  // im2col reads zeros outside the input, padding and a ceil-mode overhang alike
  const g = geometry(op, x4.shape, win, o.ceilMode ?? false);
  const sums = sum(im2colOp(x4, g), 1); // [N*C, L]
  // PyTorch's divisor: the window clipped to the padded input (countIncludePad) or to the input itself
  const divisor = new Array<number>(g.oh * g.ow);
  const span = (i: number, a: 0 | 1) => {
    const [len, k, s, p] = [[g.h, g.w][a], win.k[a], win.s[a], win.p[a]];
    const start = i * s - p, end = Math.min(start + k, len + p);
    return countIncludePad ? end - start : Math.min(end, len) - Math.max(start, 0);
  };
  for (let i = 0; i < g.oh; i++) for (let j = 0; j < g.ow; j++) divisor[i * g.ow + j] = divisorOverride ?? span(i, 0) * span(j, 1);
  const out = div(sums, tensor(divisor, { dtype: x.dtype }));
  return reshape(out, dims === 1 ? [...lead, g.ow] : [...lead, g.oh, g.ow]);
}

registerOp('avgPool2d', true);
/** PyTorch's F.avg_pool2d over x [N, C, H, W] (or [C, H, W]). */
export function avgPool2d(x: Tensor, kernelSize: Size2, options: AvgPoolOptions = {}): Tensor {
  return avgPool('avgPool2d', 2, x, kernelSize, options);
}

registerOp('avgPool1d', true);
/** PyTorch's F.avg_pool1d over x [N, C, L] (or [C, L]). */
export function avgPool1d(x: Tensor, kernelSize: Size2, options: Omit<AvgPoolOptions, 'divisorOverride'> = {}): Tensor {
  if ((options as AvgPoolOptions).divisorOverride !== undefined) throw new ValueError("avgPool1d: divisorOverride is avgPool2d's option (PyTorch's avg_pool1d has none)");
  return avgPool('avgPool1d', 1, x, kernelSize, options);
}

/** [out, len]: row i averages PyTorch's adaptive window floor(i * len / out) .. ceil((i + 1) * len / out). */
function averaging(out: number, len: number, dtype: Tensor['dtype']): Tensor {
  const m = new Array<number>(out * len).fill(0);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * len) / out), end = Math.ceil(((i + 1) * len) / out);
    for (let j = start; j < end; j++) m[i * len + j] = 1 / (end - start);
  }
  return tensor(m, { dtype, shape: [out, len] });
}

registerOp('adaptiveAvgPool2d', true);
/**
 * PyTorch's F.adaptive_avg_pool2d: x [N, C, H, W] (or [C, H, W]) averaged over outputSize windows (null keeps
 * that axis's size). The windows are separable, so it is two matmuls with averaging matrices: A_h @ x @ A_w^T.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  batched(x, 2, op);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: the input must be float32 or float64, got ${x.dtype}`);
  const [h, w] = x.shape.slice(-2);
  const size = adaptiveOutputSize(op, outputSize).map((v, i) => v ?? [h, w][i]!);
  return matmul(matmul(averaging(size[0], h, x.dtype), x), transpose(averaging(size[1], w, x.dtype)));
}
