// nn.init: PyTorch's weight initialisations, in place, with PyTorch's gain and fan rules. The fan rules assume
// PyTorch's weight layout [out, in, ...kernel] (Conv, PyTorch's Linear); Dense's weights are [in, out], so for
// them fan_in and fan_out swap (use mode 'fan_out' for Kaiming on a Dense, or Dense's own `init` option).
import { Tensor, tensor, concat, defaultGenerator, type Generator, DTypeError, ShapeError, ValueError } from '@tensorgrad/core';
import { fmt, isFloat } from '@tensorgrad/core/util';
import { checkFinite } from './layers/common.js';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

const UNIT_GAIN = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'sigmoid'];

/** The recommended gain for a nonlinearity, as torch.nn.init.calculate_gain (`param`: leaky_relu's slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (UNIT_GAIN.includes(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new ValueError(`calculateGain: negative slope ${String(param)} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ValueError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}' (supported: ${[...UNIT_GAIN, 'tanh', 'relu', 'leaky_relu', 'selu'].join(', ')})`);
  }
}

/**
 * [fanIn, fanOut] of a weight of this shape laid out as PyTorch's [out, in, ...kernel]: fanIn = in * kernel size,
 * fanOut = out * kernel size (torch.nn.init._calculate_fan_in_and_fan_out).
 */
export function calculateFanInAndFanOut(t: Tensor | readonly number[]): [number, number] {
  const shape = t instanceof Tensor ? t.shape : t;
  if (shape.length < 2) {
    throw new ShapeError(`calculateFanInAndFanOut: fan in and fan out need a tensor of at least 2 dimensions, got shape ${fmt(shape)}`);
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1] * receptive, shape[0] * receptive];
}

export interface InitOptions {
  /** Where the random numbers come from (default: the global generator, seeded by manualSeed). */
  generator?: Generator;
}

export type FanMode = 'fan_in' | 'fan_out';

export interface KaimingOptions extends InitOptions {
  /** leaky_relu's negative slope (default 0). */
  a?: number;
  /** 'fan_in' (default) keeps the forward pass's variance, 'fan_out' the backward pass's. */
  mode?: FanMode;
  /** default 'leaky_relu' (with a = 0 that is ReLU's gain), as PyTorch. */
  nonlinearity?: Nonlinearity;
}

/** Writes values (computed in float64) into a float tensor, in place and outside any graph. */
function fill(where: string, t: Tensor, values: (n: number) => ArrayLike<number>): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`${where}: expected a Tensor`);
  if (!isFloat(t.dtype)) throw new DTypeError(`${where}: the tensor must be float32 or float64, got ${t.dtype}`);
  // writing .data records nothing: the same as PyTorch's `with torch.no_grad()`
  if (t.size > 0) t.data.set(values(t.size));
  return t;
}

/** Uniform values in [a, b). */
export function uniform_(t: Tensor, options: InitOptions & { a?: number; b?: number } = {}): Tensor {
  const { a = 0, b = 1, generator = defaultGenerator } = options;
  checkFinite('uniform_', 'a', a);
  checkFinite('uniform_', 'b', b);
  if (!(a <= b)) throw new ValueError(`uniform_: a must be <= b, got a=${a}, b=${b}`);
  return fill('uniform_', t, (n) => generator.uniform(a, b, n));
}

/** Normal values with this mean and standard deviation. */
export function normal_(t: Tensor, options: InitOptions & { mean?: number; std?: number } = {}): Tensor {
  const { mean = 0, std = 1, generator = defaultGenerator } = options;
  checkFinite('normal_', 'mean', mean);
  checkFinite('normal_', 'std', std, 0);
  return fill('normal_', t, (n) => tensor(generator.standardNormal(n), { dtype: 'float64' }).mul(std).add(mean).data);
}

export function constant_(t: Tensor, value: number): Tensor {
  checkFinite('constant_', 'value', value);
  return fill('constant_', t, (n) => new Float64Array(n).fill(value));
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Glorot: uniform in ±gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  const bound = Math.sqrt(3) * xavierStd('xavierUniform_', t, options.gain);
  return uniform_(t, { a: -bound, b: bound, generator: options.generator });
}

/** Glorot: normal with std gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  return normal_(t, { std: xavierStd('xavierNormal_', t, options.gain), generator: options.generator });
}

function xavierStd(where: string, t: Tensor, gain = 1): number {
  checkFinite(where, 'gain', gain);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** He: uniform in ±gain * sqrt(3 / fan), the gain from `nonlinearity` and `a`. */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, options);
  return uniform_(t, { a: -bound, b: bound, generator: options.generator });
}

/** He: normal with std gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, { std: kaimingStd('kaimingNormal_', t, options), generator: options.generator });
}

function kaimingStd(where: string, t: Tensor, options: KaimingOptions): number {
  const { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' } = options;
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new ValueError(`${where}: mode must be 'fan_in' or 'fan_out', got '${String(mode)}'`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  if (fan === 0) throw new ShapeError(`${where}: a tensor of shape ${fmt(t.shape)} has ${mode} 0`);
  return calculateGain(nonlinearity, checkFinite(where, 'a', a)) / Math.sqrt(fan);
}

/**
 * Normal values truncated to [a, b], by PyTorch's inverse-CDF method: uniform between the CDF values of the
 * bounds, mapped back through erfinv, then clamped (rounding can step just outside).
 */
export function truncNormal_(t: Tensor, options: InitOptions & { mean?: number; std?: number; a?: number; b?: number } = {}): Tensor {
  const { mean = 0, std = 1, a = -2, b = 2, generator = defaultGenerator } = options;
  for (const [name, v] of [['mean', mean], ['std', std], ['a', a], ['b', b]] as const) checkFinite('truncNormal_', name, v, name === 'std' ? 0 : -Infinity);
  if (!(a < b)) throw new ValueError(`truncNormal_: a must be < b, got a=${a}, b=${b}`);
  // 2 * cdf - 1 = erf(z / sqrt 2) at each bound, standardised
  const [lo, hi] = tensor([(a - mean) / std, (b - mean) / std], { dtype: 'float64' }).div(Math.SQRT2).erf().data;
  return fill('truncNormal_', t, (n) => tensor(generator.uniform(lo, hi, n), { dtype: 'float64' }).erfinv().mul(std * Math.SQRT2).add(mean).clip(a, b).data);
}

/**
 * A (semi-)orthogonal matrix times `gain`, as torch.nn.init.orthogonal_: the tensor viewed as [shape[0], rest] gets
 * Q of the QR decomposition (R's diagonal positive) of a standard normal matrix, computed in float64.
 */
export function orthogonal_(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  const { gain = 1, generator = defaultGenerator } = options;
  checkFinite('orthogonal_', 'gain', gain);
  if (t instanceof Tensor && t.ndim < 2) throw new ShapeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got shape ${fmt(t.shape)}`);
  return fill('orthogonal_', t, (size) => {
    const rows = t.shape[0];
    const a = tensor(generator.standardNormal(size), { dtype: 'float64', shape: [rows, size / rows] });
    // Q's orthonormal columns (tall) or rows (wide) are the orthonormal rows of the wide orientation
    const wide = a.shape[0] <= a.shape[1];
    const q = orthonormalRows(wide ? a : a.T);
    return (wide ? q : q.T).mul(gain).data;
  });
}

/**
 * The rows of the wide matrix `a` made orthonormal in order: Gram-Schmidt with a second pass ("twice is enough"),
 * so they are orthonormal to rounding. That is the Q of the QR of a's transpose whose R has a positive diagonal,
 * the one PyTorch's sign fix of LAPACK's QR picks.
 */
function orthonormalRows(a: Tensor): Tensor {
  let q: Tensor | null = null;
  for (let j = 0; j < a.shape[0]; j++) {
    let v = a.take([j], 0);
    for (let pass = 0; pass < 2 && q !== null; pass++) v = v.sub(v.matmul(q.T).matmul(q));
    v = v.div(v.norm());
    q = q === null ? v : concat([q, v], 0);
  }
  return q!;
}
