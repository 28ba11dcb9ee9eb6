/**
 * numpy-style printing: `formatArray` returns exactly the text of numpy's `print(arr)` (`str(arr)`)
 * under the default print options: precision 8, floatmode 'maxprec', suppress False, sign '-',
 * linewidth 75, threshold 1000 with 3 edge items.
 *
 * Float digits come from a Dragon4 digit generator that follows numpy's (shortest round-trip digits
 * for the value's own precision, so float32 0.1 prints as 0.1), cut off at 8 fractional digits with
 * ties to even, as numpy's is.
 */

import { type DType, type TypedArray, DTYPES, DTYPE_LIST } from './dtype.js';
import { DTypeError, ShapeError } from './errors.js';

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
  if (!DTYPES.includes(dtype)) throw new DTypeError(`formatArray: unknown dtype '${String(dtype)}' (expected ${DTYPE_LIST})`);

  // A 0-d array prints as its scalar, with all of its digits.
  if (shape.length === 0) return formatScalar(data[0]!, dtype);
  // numpy prints any array with a zero-length dimension as [].
  if (size === 0) return '[]';

  const summarize = size > THRESHOLD;
  const shown = shownValues(data, shape, summarize);
  if (dtype === 'float32') {
    for (let i = 0; i < shown.length; i++) shown[i] = Math.fround(shown[i]!);
  }
  const element: ElementFormat =
    dtype === 'bool' ? BOOL_FORMAT : dtype === 'int32' || dtype === 'uint8' ? new IntFormat(shown) : new FloatFormat(shown, dtype === 'float32');
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis]!;
  }
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

/** Whether an axis of this length is shown as its first and last EDGE_ITEMS with '...' between. */
function isSummarized(summarize: boolean, length: number): boolean {
  return summarize && length > 2 * EDGE_ITEMS;
}

/** The indices along an axis that are printed, in order (-1 stands for the '...'). */
function shownIndices(summarize: boolean, length: number): number[] {
  if (!isSummarized(summarize, length)) return Array.from({ length }, (_, i) => i);
  const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
  const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => length - EDGE_ITEMS + i);
  return [...head, -1, ...tail];
}

/** The values that get printed: numpy chooses the number format from these only. */
function shownValues(data: TypedArray, shape: readonly number[], summarize: boolean): Float64Array {
  if (!summarize) return Float64Array.from(data);
  const out: number[] = [];
  const collect = (axis: number, offset: number, stride: number): void => {
    if (axis === shape.length) {
      out.push(data[offset]!);
      return;
    }
    const inner = stride / shape[axis]!;
    for (const i of shownIndices(true, shape[axis]!)) {
      if (i >= 0) collect(axis + 1, offset + i * inner, inner);
    }
  };
  collect(0, 0, data.length);
  return Float64Array.from(out);
}

/** Appends word to line, first breaking the line if it would pass width (and breaking helps). */
function extendLine(state: { text: string; line: string }, word: string, width: number, indent: string): void {
  if (state.line.length + word.length > width && state.line.length > indent.length) {
    state.text += state.line.trimEnd() + '\n';
    state.line = indent;
  }
  state.line += word;
}

function formatBlock(layout: Layout, axis: number, offset: number, indent: string, width: number): string {
  const { shape, strides } = layout;
  const length = shape[axis]!;
  const indices = shownIndices(layout.summarize, length);
  const innerIndent = indent + ' ';
  const innerWidth = width - 1; // room for this block's closing ']'
  let text = '';

  if (axis === shape.length - 1) {
    // Innermost axis: elements separated by spaces, wrapped to the line width.
    const state = { text: '', line: indent };
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      const word = i < 0 ? '...' : layout.element.format(layout.data[offset + i * strides[axis]!]!);
      extendLine(state, word, width - 1, indent);
      if (k < indices.length - 1) state.line += ' ';
    }
    text = state.text + state.line;
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

class IntFormat implements ElementFormat {
  private readonly width: number;

  constructor(values: Float64Array) {
    let max = -Infinity;
    let min = Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v > max) max = v;
      if (v < min) min = v;
    }
    this.width = Math.max(String(max).length, String(min).length);
  }

  format(x: number): string {
    return String(x).padStart(this.width);
  }
}

type Trim = 'k' | '.' | '0' | '-'; // keep zeros | drop zeros, keep '.' | leave one zero | drop zeros and '.'

interface PositionalOptions {
  precision: number; // max fractional digits, -1 for none
  minDigits: number; // min fractional digits, -1 for none
  trim: Trim;
  padLeft: number; // width left of '.', -1 for none
  padRight: number; // width right of '.', -1 for none
}

interface ScientificOptions {
  precision: number; // max digits after the first, -1 for none
  minDigits: number; // min digits after the first, -1 for none
  trim: Trim;
  padLeft: number;
  expDigits: number; // min exponent digits, -1 for 2
}

/** One number format for a whole array: positional or scientific, padded so that columns align. */
class FloatFormat implements ElementFormat {
  private readonly single: boolean;
  private exp = false;
  private precision = PRECISION;
  private minDigits = -1;
  private trim: Trim = '.';
  private padLeft = 0;
  private padRight = 0;
  private expSize = -1;

  constructor(values: Float64Array, single: boolean) {
    this.single = single;
    const round = single ? Math.fround : (x: number) => x;
    const finite: number[] = [];
    let hasNonFinite = false;
    let negInf = false;
    let maxAbs = 0;
    let minAbs = Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) {
        hasNonFinite = true;
        if (v === -Infinity) negInf = true;
        continue;
      }
      finite.push(v);
      const a = Math.abs(v);
      if (a !== 0) {
        if (a > maxAbs) maxAbs = a;
        if (a < minAbs) minAbs = a;
      }
    }

    // Scientific when the non-zero magnitudes are too large, too small or too spread out. numpy
    // compares in the array's own precision: for float32, 1e-4 and max/min are float32 numbers.
    if (minAbs !== Infinity) {
      const largest = single ? 1e6 : 1e8; // 10 ** min(8, finfo(dtype).precision)
      this.exp = maxAbs >= largest || minAbs < round(1e-4) || round(maxAbs / minAbs) > 1000;
    }

    if (finite.length === 0) {
      this.padLeft = 0;
      this.padRight = 0;
    } else if (this.exp) {
      // First pass: shortest digits (at most 9 significant); then print all with as many digits as the longest.
      let intWidth = 0;
      let fracWidth = 0;
      let expWidth = 0;
      for (const v of finite) {
        const s = scientific(v, single, { precision: PRECISION, minDigits: -1, trim: '.', padLeft: -1, expDigits: -1 });
        const e = s.indexOf('e');
        const point = s.indexOf('.');
        intWidth = Math.max(intWidth, point);
        fracWidth = Math.max(fracWidth, e - point - 1);
        expWidth = Math.max(expWidth, s.length - e - 2); // digits after 'e' and its sign
      }
      this.expSize = expWidth;
      this.trim = 'k';
      this.precision = fracWidth;
      this.minDigits = fracWidth;
      this.padLeft = intWidth;
      this.padRight = expWidth + 2 + fracWidth;
    } else {
      let intWidth = 0;
      let fracWidth = 0;
      for (const v of finite) {
        const s = positional(v, single, { precision: PRECISION, minDigits: -1, trim: '.', padLeft: -1, padRight: -1 });
        const point = s.indexOf('.');
        intWidth = Math.max(intWidth, point);
        fracWidth = Math.max(fracWidth, s.length - point - 1);
      }
      this.padLeft = intWidth;
      this.padRight = fracWidth;
      this.trim = '.';
      this.minDigits = 0;
    }

    // 'nan', 'inf' and '-inf' must fit in the column too.
    if (hasNonFinite) {
      const offset = this.padRight + 1;
      this.padLeft = Math.max(this.padLeft, 3 - offset, 3 + (negInf ? 1 : 0) - offset);
    }
  }

  format(x: number): string {
    if (!Number.isFinite(x)) {
      const word = Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
      return word.padStart(this.padLeft + this.padRight + 1);
    }
    if (this.exp) {
      return scientific(x, this.single, {
        precision: this.precision,
        minDigits: this.minDigits,
        trim: this.trim,
        padLeft: this.padLeft,
        expDigits: this.expSize,
      });
    }
    return positional(x, this.single, {
      precision: this.precision,
      minDigits: this.minDigits,
      trim: this.trim,
      padLeft: this.padLeft,
      padRight: this.padRight,
    });
  }
}

/** numpy's str() of a scalar: all of its shortest digits, scientific outside [1e-4, 1e16) (float32: 1e6). */
function formatScalar(x: number, dtype: DType): string {
  if (dtype === 'bool') return x !== 0 ? 'True' : 'False';
  if (dtype === 'int32' || dtype === 'uint8') return String(x);
  const single = dtype === 'float32';
  if (single) x = Math.fround(x);
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const a = Math.abs(x);
  if (a === 0 || (a >= 1e-4 && a < (single ? 1e6 : 1e16))) {
    return positional(x, single, { precision: -1, minDigits: -1, trim: '0', padLeft: -1, padRight: -1 });
  }
  return scientific(x, single, { precision: -1, minDigits: -1, trim: '-', padLeft: -1, expDigits: -1 });
}

// ---------------------------------------------------------------------------------------------
// Digits of one finite float (numpy's dragon4_positional / dragon4_scientific).

function positional(x: number, single: boolean, o: PositionalOptions): string {
  const parts = decompose(x, single);
  const sign = parts.negative ? '-' : '';
  const { digits, exponent } = dragon4(parts, true, o.precision, o.minDigits);
  let whole: string;
  let frac: string;
  if (exponent >= 0) {
    const wholeDigits = exponent + 1;
    whole = digits.length <= wholeDigits ? digits + '0'.repeat(wholeDigits - digits.length) : digits.slice(0, wholeDigits);
    frac = digits.slice(wholeDigits);
  } else {
    whole = '0';
    frac = '0'.repeat(-exponent - 1) + digits;
  }
  let point = frac.length > 0 || o.trim !== '-';
  if (o.trim === '0' && frac.length === 0) frac = '0';
  else if (o.trim === 'k' && o.minDigits > frac.length) frac += '0'.repeat(o.minDigits - frac.length);
  if (o.trim !== 'k' && frac.length > 0) {
    frac = frac.replace(/0+$/, '');
    if (frac.length === 0 && o.trim === '0') frac = '0';
    if (frac.length === 0 && o.trim === '-') point = false;
  }
  let right = '';
  if (o.padRight >= frac.length) {
    right = (o.trim === '-' && frac.length === 0 ? ' ' : '') + ' '.repeat(o.padRight - frac.length);
  }
  const left = ' '.repeat(Math.max(0, o.padLeft - whole.length - sign.length));
  return left + sign + whole + (point ? '.' : '') + frac + right;
}

function scientific(x: number, single: boolean, o: ScientificOptions): string {
  const parts = decompose(x, single);
  const sign = parts.negative ? '-' : '';
  const left = ' '.repeat(Math.max(0, o.padLeft - 1 - sign.length));
  const { digits, exponent } = dragon4(
    parts,
    false,
    o.precision < 0 ? -1 : o.precision + 1,
    o.minDigits < 0 ? -1 : o.minDigits + 1,
  );
  let frac = digits.slice(1);
  const point = frac.length > 0 || o.trim !== '-';
  if (o.trim === '0' && frac.length === 0) frac = '0';
  else if (o.trim === 'k' && o.minDigits > frac.length) frac += '0'.repeat(o.minDigits - frac.length);
  if (o.trim !== 'k' && frac.length > 0) {
    frac = frac.replace(/0+$/, '');
    if (frac.length === 0 && o.trim === '0') frac = '0';
  }
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
  if (single) {
    bits.setFloat32(0, x);
    const word = bits.getUint32(0);
    const biased = (word >>> 23) & 0xff;
    const frac = word & 0x7fffff;
    const negative = word >>> 31 === 1;
    if (biased !== 0) {
      return { negative, mantissa: BigInt(frac + 0x800000), exponent: biased - 150, mantissaBit: 23, unequalMargins: biased !== 1 && frac === 0 };
    }
    return { negative, mantissa: BigInt(frac), exponent: -149, mantissaBit: frac === 0 ? 0 : 31 - Math.clz32(frac), unequalMargins: false };
  }
  bits.setFloat64(0, x);
  const hi = bits.getUint32(0);
  const lo = bits.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const negative = hi >>> 31 === 1;
  if (biased !== 0) {
    return { negative, mantissa: frac | (1n << 52n), exponent: biased - 1075, mantissaBit: 52, unequalMargins: biased !== 1 && frac === 0n };
  }
  return { negative, mantissa: frac, exponent: -1074, mantissaBit: frac === 0n ? 0 : frac.toString(2).length - 1, unequalMargins: false };
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
  const extra = p.unequalMargins ? 2 : 1;
  let value: bigint;
  let scale: bigint;
  let marginLow: bigint;
  if (p.exponent > 0) {
    value = p.mantissa << BigInt(p.exponent + extra);
    scale = 1n << BigInt(extra);
    marginLow = 1n << BigInt(p.exponent);
  } else {
    value = p.mantissa << BigInt(extra);
    scale = 1n << BigInt(-p.exponent + extra);
    marginLow = 1n;
  }
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
