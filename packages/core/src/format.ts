/**
 * numpy-style printing: `formatArray` returns exactly the text of numpy's `print(arr)` (`str(arr)`)
 * under the default print options: precision 8, floatmode 'maxprec', suppress False, sign '-',
 * linewidth 75, threshold 1000 with 3 edge items.
 *
 * Float digits come from a Dragon4 digit generator that follows numpy's (shortest round-trip digits
 * for the value's own precision, so float32 0.1 prints as 0.1), cut off at 8 fractional digits with
 * ties to even, as numpy's is.
 */

import { type DType, type TypedArray, checkDtype } from './dtype.js';
import { ShapeError } from './errors.js';
import { stridesOf } from './shape.js';

const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const PRECISION = 8;

/**
 * What numpy prints for `print(arr)` where arr has this dtype, shape and row-major data.
 * Values are read as `dtype`: for 'float32' each value is taken as the float32 nearest to it.
 */
export function formatArray(
  data: TypedArray,
  shape: readonly number[],
  dtype: DType,
): string {
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`formatArray: shape [${shape.join(', ')}] has a dimension that is not a non-negative integer`);
    }
    size *= d;
  }
  if (size !== data.length) {
    throw new ShapeError(`formatArray: shape [${shape.join(', ')}] holds ${size} elements but data has ${data.length}`);
  }
  checkDtype(dtype, 'formatArray');

  // A 0-d array prints as its scalar, with all of its digits.
  if (shape.length === 0) return formatScalar(data[0]!, dtype);
  // numpy prints any array with a zero-length dimension as [].
  if (size === 0) return '[]';

  const summarize = size > THRESHOLD;
  const strides = stridesOf(shape);
  const shown = shownValues(data, shape, strides, summarize);
  if (dtype === 'float32') {
    for (let i = 0; i < shown.length; i++) shown[i] = Math.fround(shown[i]!);
  }
  const element: ElementFormat =
    dtype === 'bool' ? BOOL_FORMAT : dtype === 'int32' || dtype === 'uint8' ? intFormat(shown) : new FloatFormat(shown, dtype === 'float32');
  const layout: Layout = { data, shape, strides, element, summarize };
  return formatBlock(layout, 0, 0, ' ', LINE_WIDTH);
}

// ---------------------------------------------------------------------------------------------
// Layout: brackets, separators, line wrapping and summarization (numpy's _formatArray).

interface ElementFormat {
  format(x: number): string;
}

interface Layout {
  data: TypedArray;
  shape: readonly number[];
  strides: number[];
  element: ElementFormat;
  summarize: boolean;
}

/**
 * The indices along an axis that are printed, in order: all, or when summarizing an axis longer than
 * 2 * EDGE_ITEMS its first and last EDGE_ITEMS with -1 between (standing for the '...').
 */
function shownIndices(summarize: boolean, length: number): number[] {
  if (!summarize || length <= 2 * EDGE_ITEMS) return Array.from({ length }, (_, i) => i);
  const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
  return [...head, -1, ...head.map((i) => length - EDGE_ITEMS + i)];
}

/** The values that get printed, row-major: numpy chooses the number format from these only. */
function shownValues(data: TypedArray, shape: readonly number[], strides: readonly number[], summarize: boolean): Float64Array {
  // their flat positions, one axis at a time
  let positions = [0];
  shape.forEach((length, axis) => {
    const indices = shownIndices(summarize, length).filter((i) => i >= 0);
    positions = positions.flatMap((p) => indices.map((i) => p + i * strides[axis]!));
  });
  return Float64Array.from(positions, (p) => data[p]!);
}

function formatBlock(layout: Layout, axis: number, offset: number, indent: string, width: number): string {
  const { shape, strides } = layout;
  const length = shape[axis]!;
  const indices = shownIndices(layout.summarize, length);
  const innerIndent = indent + ' ';
  const innerWidth = width - 1; // room for this block's closing ']'
  let text = '';

  if (axis === shape.length - 1) {
    // Innermost axis: elements separated by spaces, wrapped to the line width (less this block's ']').
    let line = indent;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      const word = i < 0 ? '...' : layout.element.format(layout.data[offset + i * strides[axis]!]!);
      // a new line first if the word would pass the width (and breaking helps)
      if (line.length + word.length > width - 1 && line.length > indent.length) {
        text += line.trimEnd() + '\n';
        line = indent;
      }
      line += word;
      if (k < indices.length - 1) line += ' ';
    }
    text += line;
  } else {
    // Outer axes: one sub-block per line, with a blank line per extra level of nesting.
    const separator = '\n'.repeat(shape.length - axis - 1);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      const nested = i < 0 ? '...' : formatBlock(layout, axis + 1, offset + i * strides[axis]!, innerIndent, innerWidth);
      text += indent + nested + (k < indices.length - 1 ? separator : '');
    }
  }
  return '[' + text.slice(indent.length) + ']';
}

// ---------------------------------------------------------------------------------------------
// Element formats (numpy's IntegerFormat and FloatingFormat).

/** numpy's bools: every one padded to the width of 'False'. */
const BOOL_FORMAT: ElementFormat = { format: (x) => (x !== 0 ? ' True' : 'False') };

/** numpy's integers: right-aligned to the widest. */
function intFormat(values: Float64Array): ElementFormat {
  let width = 0;
  for (const v of values) width = Math.max(width, String(v).length);
  return { format: (x) => String(x).padStart(width) };
}

type Trim = 'k' | '.' | '0' | '-'; // keep zeros | drop zeros, keep '.' | leave one zero | drop zeros and '.'

/** How positional and scientific print digits (positional ignores expDigits, scientific padRight). */
interface DigitOptions {
  precision: number; // max fractional digits (scientific: digits after the first), -1 for none
  minDigits: number; // min fractional digits (scientific: digits after the first), -1 for none
  trim: Trim;
  padLeft: number; // width left of '.', -1 for none
  padRight: number; // width right of '.', -1 for none
  expDigits: number; // min exponent digits, -1 for 2
}

/** All of the shortest digits, no padding: trim decides the rest. */
const UNPADDED = { precision: -1, minDigits: -1, padLeft: -1, padRight: -1, expDigits: -1 };

/** One number format for a whole array: positional or scientific, padded so that columns align. */
class FloatFormat implements ElementFormat {
  private readonly single: boolean;
  private exp = false;
  private readonly options: DigitOptions;

  constructor(values: Float64Array, single: boolean) {
    this.single = single;
    const round = single ? Math.fround : (x: number) => x;
    const finite = values.filter(Number.isFinite);
    const magnitudes = finite.map(Math.abs).filter((a) => a !== 0);
    const maxAbs = magnitudes.reduce((m, a) => Math.max(m, a), 0);
    const minAbs = magnitudes.reduce((m, a) => Math.min(m, a), Infinity);

    // Scientific when the non-zero magnitudes are too large, too small or too spread out. numpy
    // compares in the array's own precision: for float32, 1e-4 and max/min are float32 numbers.
    if (magnitudes.length > 0) {
      const largest = single ? 1e6 : 1e8; // 10 ** min(8, finfo(dtype).precision)
      this.exp = maxAbs >= largest || minAbs < round(1e-4) || round(maxAbs / minAbs) > 1000;
    }

    // the shortest digits of each value, at most PRECISION of them after the point
    const shortest: DigitOptions = { ...UNPADDED, precision: PRECISION, trim: '.' };
    // First pass: the widths of the shortest digits (scientific: at most 9 significant); then every value is
    // printed as wide as the widest. With no finite values they stay 0: only nan and inf set the width.
    let intWidth = 0;
    let fracWidth = 0;
    let expWidth = 0;
    for (const v of finite) {
      const s = (this.exp ? scientific : positional)(v, single, shortest);
      const point = s.indexOf('.');
      const end = this.exp ? s.indexOf('e') : s.length;
      intWidth = Math.max(intWidth, point);
      fracWidth = Math.max(fracWidth, end - point - 1);
      expWidth = Math.max(expWidth, s.length - end - 2); // digits after 'e' and its sign
    }
    this.options = this.exp
      ? { precision: fracWidth, minDigits: fracWidth, trim: 'k', padLeft: intWidth, padRight: expWidth + 2 + fracWidth, expDigits: expWidth }
      : { precision: PRECISION, minDigits: 0, trim: '.', padLeft: intWidth, padRight: fracWidth, expDigits: -1 };

    // 'nan', 'inf' and '-inf' must fit in the column too.
    if (finite.length < values.length) {
      const o = this.options;
      o.padLeft = Math.max(o.padLeft, (values.includes(-Infinity) ? 4 : 3) - o.padRight - 1);
    }
  }

  format(x: number): string {
    const o = this.options;
    if (!Number.isFinite(x)) return nonFinite(x).padStart(o.padLeft + o.padRight + 1);
    return (this.exp ? scientific : positional)(x, this.single, o);
  }
}

/** numpy's words for NaN and the infinities. */
function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
}

/** numpy's str() of a scalar: all of its shortest digits, scientific outside [1e-4, 1e16) (float32: 1e6). */
function formatScalar(x: number, dtype: DType): string {
  if (dtype === 'bool') return x !== 0 ? 'True' : 'False';
  if (dtype === 'int32' || dtype === 'uint8') return String(x);
  const single = dtype === 'float32';
  if (single) x = Math.fround(x);
  if (!Number.isFinite(x)) return nonFinite(x);
  const a = Math.abs(x);
  if (a === 0 || (a >= 1e-4 && a < (single ? 1e6 : 1e16))) {
    return positional(x, single, { ...UNPADDED, trim: '0' });
  }
  return scientific(x, single, { ...UNPADDED, trim: '-' });
}

// ---------------------------------------------------------------------------------------------
// Digits of one finite float (numpy's dragon4_positional / dragon4_scientific).

/** The fraction digits as `trim` and minDigits want them (numpy's trimming, for both notations). */
function trimFraction(frac: string, o: DigitOptions): string {
  if (o.trim === '0' && frac.length === 0) return '0';
  if (o.trim === 'k') return frac.padEnd(o.minDigits, '0');
  frac = frac.replace(/0+$/, '');
  return frac.length === 0 && o.trim === '0' ? '0' : frac;
}

function positional(x: number, single: boolean, o: DigitOptions): string {
  const parts = decompose(x, single);
  const sign = parts.negative ? '-' : '';
  const { digits, exponent } = dragon4(parts, true, o.precision, o.minDigits);
  // the first exponent + 1 digits are whole (zeros stand for those past the last digit), the rest are the fraction
  const whole = exponent >= 0 ? digits.slice(0, exponent + 1).padEnd(exponent + 1, '0') : '0';
  const frac = trimFraction(exponent >= 0 ? digits.slice(exponent + 1) : '0'.repeat(-exponent - 1) + digits, o);
  // padded to padRight digits ('-' trimming, which would need room for the '.', is never padded)
  const right = ' '.repeat(Math.max(0, o.padRight - frac.length));
  const left = ' '.repeat(Math.max(0, o.padLeft - whole.length - sign.length));
  return left + sign + whole + (frac.length > 0 || o.trim !== '-' ? '.' : '') + frac + right;
}

function scientific(x: number, single: boolean, o: DigitOptions): string {
  const parts = decompose(x, single);
  const sign = parts.negative ? '-' : '';
  const left = ' '.repeat(Math.max(0, o.padLeft - 1 - sign.length));
  const { digits, exponent } = dragon4(
    parts,
    false,
    o.precision < 0 ? -1 : o.precision + 1,
    o.minDigits < 0 ? -1 : o.minDigits + 1,
  );
  // the '.' as the digits come, before trimming (numpy's dragon4_scientific)
  const point = digits.length > 1 || o.trim !== '-';
  const frac = trimFraction(digits.slice(1), o);
  const expDigits = o.expDigits < 0 ? 2 : Math.min(o.expDigits, 5);
  const expText = (exponent < 0 ? '-' : '+') + String(Math.abs(exponent)).padStart(expDigits, '0');
  return left + sign + digits[0] + (point ? '.' : '') + frac + 'e' + expText;
}

/** A float as mantissa * 2^exponent, with what Dragon4 needs to know about its neighbours. */
interface FloatParts {
  negative: boolean;
  mantissa: bigint;
  exponent: number;
  mantissaBit: number; // index of the highest set bit of the mantissa
  unequalMargins: boolean; // the gap to the next float below is half the gap above (a power of two)
}

const bits = new DataView(new ArrayBuffer(8));

function decompose(x: number, single: boolean): FloatParts {
  // IEEE 754 binary32 or binary64: sign, exponent bits, fraction bits
  const [expBits, fracBits, minExponent] = single ? [8n, 23n, -149] : [11n, 52n, -1074];
  let word: bigint;
  if (single) {
    bits.setFloat32(0, x);
    word = BigInt(bits.getUint32(0));
  } else {
    bits.setFloat64(0, x);
    word = bits.getBigUint64(0);
  }
  const negative = word >> (expBits + fracBits) === 1n;
  const biased = Number((word >> fracBits) & ((1n << expBits) - 1n));
  const frac = word & ((1n << fracBits) - 1n);
  if (biased !== 0) {
    return { negative, mantissa: frac | (1n << fracBits), exponent: biased + minExponent - 1, mantissaBit: Number(fracBits), unequalMargins: biased !== 1 && frac === 0n };
  }
  // subnormal
  return { negative, mantissa: frac, exponent: minExponent, mantissaBit: frac === 0n ? 0 : frac.toString(2).length - 1, unequalMargins: false };
}

const LOG10_2 = 0.30102999566398119521373889472449;

/**
 * Decimal digits of |value| in numpy's Dragon4 'unique' mode: stop at the shortest digits that
 * identify the float among its neighbours, but not before cutoffMin digits and not after cutoffMax
 * (counted past the decimal point when `fraction`, else in total; -1 for no limit). Returns the digits
 * and the power of ten of the first one.
 */
function dragon4(p: FloatParts, fraction: boolean, cutoffMax: number, cutoffMin: number): { digits: string; exponent: number } {
  if (p.mantissa === 0n) return { digits: '0', exponent: 0 };
  const isEven = (p.mantissa & 1n) === 0n;

  // value = scaledValue / scale; the margins are half the gaps to the neighbouring floats.
  // a positive exponent scales the value and the margin up, a negative one the scale
  const extra = BigInt(p.unequalMargins ? 2 : 1);
  const up = BigInt(Math.max(p.exponent, 0));
  let value = p.mantissa << (up + extra);
  let scale = 1n << (BigInt(Math.max(-p.exponent, 0)) + extra);
  let marginLow = 1n << up;
  const highFactor = p.unequalMargins ? 2n : 1n;

  // Estimate of the power of ten just above the value (right or one too low), computed as numpy
  // does because the fractional cutoff below clamps this estimate, not the true value.
  let digitExponent = Math.ceil((p.mantissaBit + p.exponent) * LOG10_2 - 0.69);
  if (cutoffMax >= 0 && fraction && digitExponent <= -cutoffMax) digitExponent = -cutoffMax + 1;
  if (digitExponent > 0) {
    scale *= 10n ** BigInt(digitExponent);
  } else if (digitExponent < 0) {
    const pow = 10n ** BigInt(-digitExponent);
    value *= pow;
    marginLow *= pow;
  }
  if (value >= scale) {
    digitExponent += 1;
  } else {
    value *= 10n;
    marginLow *= 10n;
  }

  let cutoffMaxExponent = digitExponent - 100000;
  if (cutoffMax >= 0) cutoffMaxExponent = Math.max(cutoffMaxExponent, fraction ? -cutoffMax : digitExponent - cutoffMax);
  let cutoffMinExponent = digitExponent;
  if (cutoffMin >= 0) cutoffMinExponent = Math.min(cutoffMinExponent, fraction ? -cutoffMin : digitExponent - cutoffMin);
  const firstExponent = digitExponent - 1;

  const out: number[] = [];
  let digit = 0;
  let low = false;
  let high = false;
  for (;;) {
    digitExponent -= 1;
    digit = Number(value / scale);
    value %= scale;
    const marginHigh = marginLow * highFactor;
    low = isEven ? value <= marginLow : value < marginLow;
    high = isEven ? value + marginHigh >= scale : value + marginHigh > scale;
    if (((low || high) && digitExponent <= cutoffMinExponent) || digitExponent === cutoffMaxExponent) break;
    out.push(digit);
    value *= 10n;
    marginLow *= 10n;
  }

  // Round the last digit: down if only the lower neighbour is close, up if only the upper one is,
  // else to the nearer digit with ties to even.
  let roundDown = low;
  if (low === high) {
    const twice = value * 2n;
    roundDown = twice < scale || (twice === scale && digit % 2 === 0);
  }
  let exponent = firstExponent;
  if (roundDown) {
    out.push(digit);
  } else if (digit < 9) {
    out.push(digit + 1);
  } else {
    // Carry through trailing nines; all nines become a single 1 at the next power of ten.
    while (out.length > 0 && out[out.length - 1] === 9) out.pop();
    if (out.length === 0) {
      out.push(1);
      exponent += 1;
    } else {
      out[out.length - 1]! += 1;
    }
  }
  return { digits: out.join(''), exponent };
}
