// Our own transcendental functions, from +, -, *, /, Math.sqrt and exact bit operations only, so that every
// JavaScript engine gives the same bits (Math.exp, Math.sin, ... differ in their last bit between V8 versions:
// Node 20's and Chromium's do). The algorithms are fdlibm's (argument reduction by k*ln2 or n*pi/2, then a short
// polynomial); log1p, log2, log10 and pow go through a double-double log, which makes them nearly correctly
// rounded. Every function is within 1 ulp of the true value (tests/libm.test.ts compares with Math.*).
// Assumes a little-endian host, as typed arrays on every platform that runs JavaScript are.

const F64 = new Float64Array(1);
const I32 = new Int32Array(F64.buffer); // I32[0]: low word, I32[1]: high word (sign, exponent, top of mantissa)

function highWord(x: number): number {
  F64[0] = x;
  return I32[1]!;
}

function fromWords(high: number, low: number): number {
  I32[0] = low;
  I32[1] = high;
  return F64[0]!;
}

/** 2^k for -1022 <= k <= 1023, exactly. */
const pow2 = (k: number): number => fromWords((0x3ff + k) << 20, 0);

const TWO54 = 18014398509481984; // 2^54
const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter

/** The rounding error of a * b (a * b - fl(a * b)), exactly (Dekker; |a|, |b| < 2^995). */
export function productError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

// ---- exp

const LN2_HI = 0.6931471803691238; // ln 2's top 32 bits: k * LN2_HI is exact for |k| < 2^20
const LN2_LO = 1.9082149292705877e-10;
const INV_LN2 = 1.4426950408889634;
const HALF_LN2 = 0.34657359027997264;
const OVERFLOW = 709.782712893384; // log(largest double)
const UNDERFLOW = -745.1332191019411; // log(smallest subnormal / 2)
// minimax coefficients of (r * (e^r + 1) / (e^r - 1) - 2) / r^2 ... in fdlibm's exp (Remez, |r| <= ln2 / 2)
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;

/** y * 2^k with a single rounding (y in [0.5, 2]). */
function scale(y: number, k: number): number {
  if (k >= -1021 && k <= 1023) return y * pow2(k);
  if (k > 1023) return y * pow2(1023) * pow2(k - 1023);
  return y * pow2(k + 1000) * pow2(-1000); // a subnormal result: the last product rounds
}

/** e^(x + xl) for finite x in [-746, 710] and |xl| tiny beside x (pow passes the low half of its exponent). */
function expCore(x: number, xl: number): number {
  let k = 0, hi = x, lo = -xl;
  if (Math.abs(x) > HALF_LN2) {
    k = Math.trunc(INV_LN2 * x + (x < 0 ? -0.5 : 0.5)); // the nearest k: |r| <= ln2 / 2
    hi = x - k * LN2_HI; // exact
    lo = k * LN2_LO - xl;
  } else if (Math.abs(x) < 3.725290298461914e-9 && xl === 0) {
    return 1 + x; // |x| < 2^-28
  }
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  return scale(1 - (lo - (r * c) / (2 - c) - hi), k);
}

export function exp(x: number): number {
  if (x > OVERFLOW) return Infinity;
  if (x < UNDERFLOW) return 0;
  if (x !== x) return x;
  return expCore(x, 0);
}

// ---- expm1 (fdlibm's: e^x - 1 = x + x^2/2 + a rational correction, rescaled by 2^k)

const Q1 = -3.33333333333331316428e-2;
const Q2 = 1.58730158725481460165e-3;
const Q3 = -7.93650757867487942473e-5;
const Q4 = 4.00821782732936239552e-6;
const Q5 = -2.01099218183624371326e-7;

export function expm1(x: number): number {
  if (x !== x) return x;
  if (x > OVERFLOW) return Infinity;
  if (x < -38.816242111356935) return -1; // 56 ln 2: e^x below half an ulp of 1
  let k = 0, c = 0;
  if (Math.abs(x) > HALF_LN2) {
    k = Math.trunc(INV_LN2 * x + (x < 0 ? -0.5 : 0.5));
    const hi = x - k * LN2_HI;
    const lo = k * LN2_LO;
    x = hi - lo;
    c = hi - x - lo; // what x lost
  } else if (Math.abs(x) < 5.551115123125783e-17) {
    return x; // |x| < 2^-54
  }
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6 - x * t));
  if (k === 0) return x - (x * e - hxs);
  e = x * (e - c) - c;
  e -= hxs;
  if (k === -1) return 0.5 * (x - e) - 0.5;
  if (k === 1) return x < -0.25 ? -2 * (e - (x + 0.5)) : 1 + 2 * (x - e);
  if (k <= -2 || k > 56) return scale(1 - (e - x), k) - 1;
  if (k < 20) return scale(1 - pow2(-k) - (e - x), k); // 1 - 2^-k is exact
  return scale(x - (e + pow2(-k)) + 1, k);
}

// ---- log, in double-double

const TWO_THIRDS_LO = 3.700743415417188e-17; // 2/3 - fl(2/3)
// 2/(2j+1), j = 2..12: the series of log((1+s)/(1-s)) = 2s + 2s^3/3 + 2s^5/5 + ... beyond its first two terms
const S5 = 2 / 5, S7 = 2 / 7, S9 = 2 / 9, S11 = 2 / 11, S13 = 2 / 13, S15 = 2 / 15, S17 = 2 / 17, S19 = 2 / 19;
const S21 = 2 / 21, S23 = 2 / 23, S25 = 2 / 25;

// logParts(x) leaves x = 2^K * m, m in [sqrt(1/2), sqrt(2)), and log(m) = M_HI + M_LO (relative error ~2^-64)
let K = 0, M_HI = 0, M_LO = 0;

/** Splits a positive finite x into K and log(m) = M_HI + M_LO (see above). */
function logParts(x: number): void {
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= TWO54; // subnormal: make it normal
    k = -54;
  }
  F64[0] = x;
  let hx = I32[1]!;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000; // the mantissa is above sqrt(2): halve m, count one more 2
  I32[1] = hx | (i ^ 0x3ff00000);
  const m = F64[0]!;
  K = k + (i >> 20);
  const f = m - 1; // exact
  // s = f / (2 + f) to double-double: 2 + f = d + dl exactly, then the division's remainder
  const d = 2 + f;
  const dl = f - (d - 2);
  const s = f / d;
  const p = s * d;
  const sl = (f - p - productError(s, d, p) - s * dl) / d;
  // log(m) = 2s + 2sl + (2/3) s^3 + s^5 * (2/5 + 2/7 s^2 + ...), the cube in double-double
  const s2 = s * s;
  const s2e = productError(s, s, s2);
  const s3 = s * s2;
  const s3e = productError(s, s2, s3) + s * s2e + 3 * s2 * sl;
  const a = (2 / 3) * s3;
  const ae = productError(2 / 3, s3, a) + TWO_THIRDS_LO * s3 + (2 / 3) * s3e;
  const rest =
    s3 * s2 * (S5 + s2 * (S7 + s2 * (S9 + s2 * (S11 + s2 * (S13 + s2 * (S15 + s2 * (S17 + s2 * (S19 + s2 * (S21 + s2 * (S23 + s2 * S25))))))))));
  const b = 2 * s; // exact
  const h = b + a;
  const hl = b - h + a; // |b| >= |a|: exact
  M_HI = h + (hl + 2 * sl + ae + rest);
  M_LO = hl + 2 * sl + ae + rest - (M_HI - h);
}

// log(x) = LOG_HI + LOG_LO after logDD(x), for positive finite x
let LOG_LO = 0;

/** log(x) to double-double for positive finite x: returns the high half, leaves the low one in LOG_LO. */
function logDD(x: number): number {
  logParts(x);
  const a = K * LN2_HI; // exact
  const h = a + M_HI;
  const e = Math.abs(a) >= Math.abs(M_HI) ? a - h + M_HI : M_HI - h + a;
  const lo = e + M_LO + K * LN2_LO; // LN2_HI + LN2_LO is ln 2 to 2^-85
  const hi = h + lo;
  LOG_LO = lo - (hi - h);
  return hi;
}

/** Non-positive, infinite and NaN arguments of the logarithms: the IEEE result, or undefined for the others. */
function logSpecial(x: number): number | undefined {
  if (x > 0 && x < Infinity) return undefined;
  if (x === 0) return -Infinity;
  return x === Infinity ? x : NaN;
}

// fdlibm's log: log(1 + f) = f - f^2/2 + s * (f^2/2 + R(s^2)), s = f / (2 + f), R a minimax polynomial
const LG1 = 6.666666666666735130e-1, LG2 = 3.999999999940941908e-1, LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1, LG5 = 1.818357216161805012e-1, LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;

/** Natural log within 1 ulp, in plain double (4x faster than logDD: softmax cross-entropy takes one a row). */
export function log(x: number): number {
  const special = logSpecial(x);
  if (special !== undefined) return special;
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= TWO54;
    k = -54;
  }
  F64[0] = x;
  let hx = I32[1]!;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000; // as in logParts: m in [sqrt(1/2), sqrt(2))
  I32[1] = hx | (i ^ 0x3ff00000);
  k += i >> 20;
  const f = F64[0]! - 1;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f === 0) return k === 0 ? 0 : k * LN2_HI + k * LN2_LO;
    const r = f * f * (0.5 - 0.3333333333333333 * f);
    return k === 0 ? f - r : k * LN2_HI - (r - k * LN2_LO - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const r = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7))) + w * (LG2 + w * (LG4 + w * LG6));
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    // f far from 0: take f^2/2 out first
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + r)) : k * LN2_HI - (hfsq - (s * (hfsq + r) + k * LN2_LO) - f);
  }
  return k === 0 ? f - s * (f - r) : k * LN2_HI - (s * (f - r) - k * LN2_LO - f);
}

const INV_LN2_LO = 2.0355273740931033e-17;
const INV_LN10 = 0.4342944819032518, INV_LN10_LO = 1.098319650216765e-17;
const LOG10_2 = 0.3010299956639812, LOG10_2_LO = -2.8037281277851704e-18;

/** K * c + log(m) * inv to the nearest double, c and inv in double-double (log2: c = 1, log10: c = log10 2). */
function scaledLog(x: number, c: number, cl: number, inv: number, invl: number): number {
  logParts(x);
  const p = M_HI * inv;
  const pl = productError(M_HI, inv, p) + M_HI * invl + M_LO * inv;
  const a = K * c; // exact: c has few enough bits (1), or K * c is summed with its error below
  const ae = productError(K, c, a) + K * cl;
  const h = a + p;
  const e = Math.abs(a) >= Math.abs(p) ? a - h + p : p - h + a;
  return h + (e + ae + pl);
}

export function log2(x: number): number {
  return logSpecial(x) ?? scaledLog(x, 1, 0, INV_LN2, INV_LN2_LO);
}

export function log10(x: number): number {
  return logSpecial(x) ?? scaledLog(x, LOG10_2, LOG10_2_LO, INV_LN10, INV_LN10_LO);
}

export function log1p(x: number): number {
  if (!(x > -1 && x < Infinity)) return x === -1 ? -Infinity : x === Infinity ? x : NaN;
  if (Math.abs(x) < 5.551115123125783e-17) return x; // |x| < 2^-54
  const u = 1 + x;
  const ul = Math.abs(x) <= 1 ? 1 - u + x : x - u + 1; // 1 + x = u + ul exactly
  const hi = logDD(u);
  return hi + (LOG_LO + ul / u);
}

// ---- pow

const isOddInteger = (y: number): boolean => Math.abs(y) < 9007199254740992 && y % 2 !== 0 && Number.isInteger(y);

/** x^y with JavaScript's Math.pow special cases (pow(1, NaN) and pow(+-1, +-Infinity) are NaN). */
export function pow(x: number, y: number): number {
  if (y === 0) return 1;
  if (y !== y || x !== x) return NaN;
  const ax = Math.abs(x);
  if (y === Infinity || y === -Infinity) {
    if (ax === 1) return NaN;
    return (ax > 1) === (y > 0) ? Infinity : 0;
  }
  if (y === 1) return x;
  const negative = x < 0 || Object.is(x, -0);
  const odd = isOddInteger(y);
  if (negative && !Number.isInteger(y) && ax !== 0 && ax !== Infinity) return NaN;
  const sign = negative && odd ? -1 : 1;
  if (ax === 0) return sign * (y > 0 ? 0 : Infinity);
  if (ax === Infinity) return sign * (y > 0 ? Infinity : 0);
  if (ax === 1) return sign;
  if (y === 2) return x * x; // correctly rounded, and the common case
  if (y === 0.5) return Math.sqrt(x); // x > 0 here
  // e^(y log|x|), the exponent to double-double
  const lh = logDD(ax);
  const p = y * lh;
  if (p > 710) return sign * Infinity;
  if (p < -746) return sign * 0;
  const pl = productError(y, lh, p) + y * LOG_LO;
  const zh = p + pl;
  return sign * expCore(zh, pl - (zh - p));
}

export const exp2 = (x: number): number => pow(2, x);

// ---- hyperbolic functions, from exp, expm1, log and log1p (fdlibm's formulas)

// tanh(x) = x + x^3 * (T3 + T5 x^2 + ...), its Taylor series (mpmath), for |x| < 1: terms fall by x^2 (2/pi)^2 < 0.41
const TANH_TAYLOR = [
  -0.3333333333333333, 0.13333333333333333, -0.05396825396825397, 0.021869488536155203, -0.008863235529902197,
  0.003592128036572481, -0.0014558343870513183, 0.000590027440945586, -0.00023912911424355248, 9.691537956929451e-05,
  -3.927832388331683e-05, 1.5918905069328964e-05, -6.451689215655431e-06, 2.6147711512907546e-06,
  -1.0597268320104654e-06, 4.294911078273806e-07, -1.7406618963571648e-07, 7.054636946400968e-08,
  -2.859136662305254e-08, 1.1587644432798853e-08, -4.6962953982309016e-09, 1.903336833931276e-09,
  -7.713933635359062e-10, 3.126339545892087e-10, -1.26705769303054e-10, 5.135191408039368e-11,
  -2.0812146867700473e-11, 8.434845419094337e-12, -3.4185140868111557e-12, 1.385471574294847e-12,
  -5.61510479241468e-13, 2.2757162553728747e-13, -9.223130585139532e-14, 3.737994031096739e-14,
  -1.5149519187148606e-14, 6.139868862616814e-15, -2.488395122276279e-15, 1.0085085566354096e-15,
  -4.087331226869014e-16, 1.6565329513786285e-16, -6.713675175048712e-17, 2.7209500613044588e-17,
  -1.102759523372237e-17, 4.4693160072374125e-18, -1.8113455516997665e-18,
];

export function tanh(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  let z: number;
  if (ax >= 22) z = 1; // tanh is 1 to within half an ulp
  else if (ax < 2.7755575615628914e-17) return x; // |x| < 2^-55
  else if (ax >= 1) z = 1 - 2 / (expm1(2 * ax) + 2);
  else {
    // the series: fdlibm's -t / (t + 2), t = expm1(-2|x|), compounds expm1's error to ~2 ulp here
    const x2 = x * x;
    let p = TANH_TAYLOR[TANH_TAYLOR.length - 1]!;
    for (let i = TANH_TAYLOR.length - 2; i >= 0; i--) p = p * x2 + TANH_TAYLOR[i]!;
    return x + x * (x2 * p);
  }
  return x < 0 ? -z : z;
}

export function sinh(x: number): number {
  if (x !== x || x === Infinity || x === -Infinity) return x;
  const ax = Math.abs(x);
  const h = x < 0 ? -0.5 : 0.5;
  if (ax < 22) {
    if (ax < 3.725290298461914e-9) return x;
    const t = expm1(ax);
    return ax < 1 ? h * (2 * t - (t * t) / (t + 1)) : h * (t + t / (t + 1));
  }
  if (ax < OVERFLOW) return h * exp(ax);
  const w = exp(0.5 * ax); // e^|x| / 2 = (e^(|x|/2) / 2) * e^(|x|/2), which overflows only past 710.48
  return h * w * w;
}

export function cosh(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  if (ax < HALF_LN2) {
    const t = expm1(ax);
    const w = 1 + t;
    return ax < 2.7755575615628914e-17 ? w : 1 + (t * t) / (w + w);
  }
  if (ax < 22) {
    const t = exp(ax);
    return 0.5 * t + 0.5 / t;
  }
  if (ax < OVERFLOW) return 0.5 * exp(ax);
  const w = exp(0.5 * ax);
  return 0.5 * w * w;
}

const TWO28 = 268435456;

export function asinh(x: number): number {
  if (x !== x || x === Infinity || x === -Infinity) return x;
  const ax = Math.abs(x);
  let w: number;
  if (ax < 3.725290298461914e-9) return x;
  if (ax > TWO28) w = log(ax) + 0.6931471805599453;
  else if (ax > 2) w = log(2 * ax + 1 / (Math.sqrt(x * x + 1) + ax));
  else w = log1p(ax + (x * x) / (1 + Math.sqrt(1 + x * x)));
  return x < 0 ? -w : w;
}

export function acosh(x: number): number {
  if (!(x >= 1)) return NaN;
  if (x === Infinity) return x;
  if (x >= TWO28) return log(x) + 0.6931471805599453;
  if (x === 1) return 0;
  if (x > 2) return log(2 * x - 1 / (x + Math.sqrt(x * x - 1)));
  const t = x - 1;
  return log1p(t + Math.sqrt(2 * t + t * t));
}

export function atanh(x: number): number {
  const ax = Math.abs(x);
  if (!(ax <= 1)) return NaN;
  if (ax === 1) return x / 0;
  if (ax < 3.725290298461914e-9) return x;
  const w = ax < 0.5 ? 0.5 * log1p(2 * ax + (2 * ax * ax) / (1 - ax)) : 0.5 * log1p((2 * ax) / (1 - ax));
  return x < 0 ? -w : w;
}

// ---- sin and cos: x = n * pi/2 + (y0 + y1), then fdlibm's kernels on |y| <= pi/4

const S1 = -1.66666666666666324348e-1, S2 = 8.33333333332248946124e-3, S3 = -1.98412698298579493134e-4;
const S4 = 2.75573137070700676789e-6, S5K = -2.50507602534068634195e-8, S6 = 1.58969099521155010221e-10;
const C1 = 4.16666666666666019037e-2, C2 = -1.38888888888741095749e-3, C3 = 2.48015872894767294178e-5;
const C4 = -2.75573143513906633035e-7, C5 = 2.08757232129817482790e-9, C6 = -1.13596475577881948265e-11;

/** sin(x + y) for |x + y| <= pi/4, y the tail of a reduced argument. */
function kernelSin(x: number, y: number): number {
  const z = x * x;
  const v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5K + z * S6)));
  if (y === 0) return x + v * (S1 + z * r);
  return x - (z * (0.5 * y - v * r) - y - v * S1);
}

/** cos(x + y) for |x + y| <= pi/4. */
function kernelCos(x: number, y: number): number {
  const z = x * x;
  const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  const ax = Math.abs(x);
  if (ax < 0.3) return 1 - (0.5 * z - (z * r - x * y));
  // 1 - z/2 loses bits here: take qx (a quarter of x, or 0.28125) out exactly first
  const qx = ax > 0.78125 ? 0.28125 : fromWords(highWord(ax) - 0x00200000, 0);
  const hz = 0.5 * z - qx;
  return 1 - qx - (hz - (z * r - x * y));
}

const INV_PIO2 = 0.6366197723675814;
// pi/2 in pieces of 33 bits (n * PIO2_i exact for n < 2^20) and their tails
const PIO2_1 = 1.5707963267341256, PIO2_1T = 6.077100506506192e-11;
const PIO2_2 = 6.077100506303966e-11, PIO2_2T = 2.0222662487959506e-21;
const PIO2_3 = 2.0222662487111665e-21, PIO2_3T = 8.4784276603689e-32;

// remPio2 leaves the reduced argument in Y0 + Y1 and returns n (mod 4 is what matters)
let Y0 = 0, Y1 = 0;

function exponentOf(x: number): number {
  return (highWord(x) >> 20) & 0x7ff;
}

/** x = n * pi/2 + Y0 + Y1, |Y0 + Y1| <= pi/4 (about); returns n mod 4. */
function remPio2(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 823549.6137589641) return remPio2Big(x); // 2^19 * pi/2: n * PIO2_i would no longer be exact
  const n = Math.trunc(ax * INV_PIO2 + 0.5);
  let r = ax - n * PIO2_1;
  let w = n * PIO2_1T;
  const j = exponentOf(ax);
  let y0 = r - w;
  if (j - exponentOf(y0) > 16) {
    // cancellation: the next 33 bits of pi/2
    let t = r;
    w = n * PIO2_2;
    r = t - w;
    w = n * PIO2_2T - (t - r - w);
    y0 = r - w;
    if (j - exponentOf(y0) > 49) {
      t = r;
      w = n * PIO2_3;
      r = t - w;
      w = n * PIO2_3T - (t - r - w);
      y0 = r - w;
    }
  }
  const y1 = r - y0 - w;
  if (x < 0) {
    Y0 = -y0;
    Y1 = -y1;
    return -n & 3;
  }
  Y0 = y0;
  Y1 = y1;
  return n & 3;
}

// pi/2 to 1200 binary places, made once with BigInt (Machin's formula) for arguments beyond 2^19 * pi/2
const BIG_BITS = 1200n;
let pio2Big: bigint | undefined;

/** atan(1/q) * 2^(BIG_BITS + 16), rounded down, by its series. */
function arctanInverse(q: bigint): bigint {
  const one = 1n << (BIG_BITS + 16n);
  let sum = 0n, term = one / q, k = 1n, sign = 1n;
  const q2 = q * q;
  while (term !== 0n) {
    sum += (sign * term) / k;
    term /= q2;
    k += 2n;
    sign = -sign;
  }
  return sum;
}

function pio2Fixed(): bigint {
  // pi/4 = 4 atan(1/5) - atan(1/239); 16 guard bits absorb the series' truncations
  pio2Big ??= (8n * arctanInverse(5n) - 2n * arctanInverse(239n)) >> 16n;
  return pio2Big;
}

/** remPio2 for |x| >= 2^19 * pi/2: the remainder computed exactly in fixed point. */
function remPio2Big(x: number): number {
  if (x !== x || x === Infinity || x === -Infinity) {
    Y0 = Y1 = NaN;
    return 0;
  }
  const ax = Math.abs(x);
  // ax = mantissa * 2^e, an integer times a power of two (e >= -33 here)
  const e = exponentOf(ax) - 1075;
  const mantissa = BigInt(scale(ax, -e));
  const fixed = e >= 0 ? mantissa << (BIG_BITS + BigInt(e)) : mantissa << (BIG_BITS - BigInt(-e));
  const half = pio2Fixed();
  let n = fixed / half;
  let rem = fixed - n * half;
  if (2n * rem > half) {
    rem -= half;
    n += 1n;
  }
  // rem / 2^BIG_BITS as y0 + y1: the top 110 bits, then what y0 missed
  const neg = rem < 0n;
  if (neg) rem = -rem;
  const shift = BigInt(Math.max(rem.toString(2).length - 110, 0));
  const top = rem >> shift;
  const y0 = Number(top);
  const y1 = Number(top - BigInt(y0));
  const unit = scale(1, Number(shift - BIG_BITS));
  const s = (x < 0) !== neg ? -1 : 1;
  Y0 = s * y0 * unit;
  Y1 = s * y1 * unit;
  const q = Number(n & 3n);
  return x < 0 ? -q & 3 : q;
}

export function sin(x: number): number {
  if (Math.abs(x) <= 0.7853981633974483) return Math.abs(x) < 7.450580596923828e-9 ? x : kernelSin(x, 0);
  const n = remPio2(x);
  switch (n) {
    case 0: return kernelSin(Y0, Y1);
    case 1: return kernelCos(Y0, Y1);
    case 2: return -kernelSin(Y0, Y1);
    default: return -kernelCos(Y0, Y1);
  }
}

export function cos(x: number): number {
  if (Math.abs(x) <= 0.7853981633974483) return Math.abs(x) < 7.450580596923828e-9 ? 1 : kernelCos(x, 0);
  const n = remPio2(x);
  switch (n) {
    case 0: return kernelCos(Y0, Y1);
    case 1: return -kernelSin(Y0, Y1);
    case 2: return -kernelCos(Y0, Y1);
    default: return kernelSin(Y0, Y1);
  }
}

/** tan as sin / cos of the reduced argument (within about 1.5 ulp). */
export function tan(x: number): number {
  if (Math.abs(x) <= 0.7853981633974483) return Math.abs(x) < 7.450580596923828e-9 ? x : kernelSin(x, 0) / kernelCos(x, 0);
  const n = remPio2(x);
  return n & 1 ? -kernelCos(Y0, Y1) / kernelSin(Y0, Y1) : kernelSin(Y0, Y1) / kernelCos(Y0, Y1);
}

// ---- inverse trigonometric functions (fdlibm's reductions and approximations)

const PIO2_HI = 1.5707963267948966, PIO2_LO = 6.123233995736766e-17;
const PIO4_HI = 0.7853981633974483;
const PI = 3.141592653589793, PI_LO = 1.2246467991473532e-16;
// atan(0.5), atan(1), atan(1.5), atan(inf), each as hi + lo
const ATAN_HI = [0.4636476090008061, 0.7853981633974483, 0.982793723247329, 1.5707963267948966];
const ATAN_LO = [2.2698777452961687e-17, 3.061616997868383e-17, 1.3903311031230998e-17, 6.123233995736766e-17];
// atan(x) = x - x^3 * (A0 + A1 x^2 + ...) on |x| <= 7/16
const A0 = 3.33333333333329318027e-1, A1 = -1.99999999998764832476e-1, A2 = 1.42857142725034663711e-1;
const A3 = -1.11111104054623557880e-1, A4 = 9.09088713343650656196e-2, A5 = -7.69187620504482999495e-2;
const A6 = 6.66107313738753120669e-2, A7 = -5.83357013379057348645e-2, A8 = 4.97687799461593236017e-2;
const A9 = -3.65315727442169155270e-2, A10 = 1.62858201153657823623e-2;

export function atan(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  let id: number, t: number;
  if (ax >= 7.378697629483821e19) return x < 0 ? -PIO2_HI - PIO2_LO : PIO2_HI + PIO2_LO; // |x| >= 2^66
  if (ax < 0.4375) {
    if (ax < 7.450580596923828e-9) return x;
    id = -1;
    t = x;
  } else if (ax < 0.6875) {
    id = 0;
    t = (2 * ax - 1) / (2 + ax);
  } else if (ax < 1.1875) {
    id = 1;
    t = (ax - 1) / (ax + 1);
  } else if (ax < 2.4375) {
    id = 2;
    t = (ax - 1.5) / (1 + 1.5 * ax);
  } else {
    id = 3;
    t = -1 / ax;
  }
  const z = t * t;
  const w = z * z;
  const s1 = z * (A0 + w * (A2 + w * (A4 + w * (A6 + w * (A8 + w * A10)))));
  const s2 = w * (A1 + w * (A3 + w * (A5 + w * (A7 + w * A9))));
  if (id < 0) return t - t * (s1 + s2);
  const r = ATAN_HI[id]! - (t * (s1 + s2) - ATAN_LO[id]! - t);
  return x < 0 ? -r : r;
}

const signBit = (v: number): boolean => v < 0 || Object.is(v, -0);

export function atan2(y: number, x: number): number {
  if (x !== x || y !== y) return NaN;
  if (x === 1) return atan(y);
  const m = (signBit(x) ? 2 : 0) + (signBit(y) ? 1 : 0);
  if (y === 0) return m < 2 ? y : m === 2 ? PI : -PI;
  if (x === 0) return m & 1 ? -PIO2_HI : PIO2_HI;
  if (x === Infinity || x === -Infinity) {
    if (y === Infinity || y === -Infinity) return [PIO4_HI, -PIO4_HI, 3 * PIO4_HI, -3 * PIO4_HI][m]!;
    return [0, -0, PI, -PI][m]!;
  }
  if (y === Infinity || y === -Infinity) return m & 1 ? -PIO2_HI : PIO2_HI;
  const k = exponentOf(y) - exponentOf(x);
  let z: number;
  if (k > 60) z = PIO2_HI + 0.5 * PI_LO; // |y/x| > 2^60
  else if (x < 0 && k < -60) z = 0;
  else z = atan(Math.abs(y / x));
  if (k > 60) return m & 1 ? -z : z;
  switch (m) {
    case 0: return z;
    case 1: return -z;
    case 2: return PI - (z - PI_LO);
    default: return z - PI_LO - PI;
  }
}

// asin(x) = x + x^3 * R(x^2), R = P/Q (rational), on |x| < 0.5; the same R in the reductions of |x| >= 0.5
const PS0 = 1.66666666666666657415e-1, PS1 = -3.25565818622400915405e-1, PS2 = 2.01212532134862925881e-1;
const PS3 = -4.00555345006794114027e-2, PS4 = 7.91534994289814532176e-4, PS5 = 3.47933107596021167570e-5;
const QS1 = -2.40339491173441421878, QS2 = 2.02094576023350569471, QS3 = -6.88283971605453293030e-1;
const QS4 = 7.70381505559019352791e-2;

const rationalR = (t: number): number =>
  (t * (PS0 + t * (PS1 + t * (PS2 + t * (PS3 + t * (PS4 + t * PS5)))))) / (1 + t * (QS1 + t * (QS2 + t * (QS3 + t * QS4))));

/** v with its low word cleared (so that v * v is exact). */
const head = (v: number): number => fromWords(highWord(v), 0);

export function asin(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 1) return ax === 1 ? x * PIO2_HI + x * PIO2_LO : NaN;
  if (ax < 0.5) return ax < 7.450580596923828e-9 ? x : x + x * rationalR(x * x);
  const t = (1 - ax) * 0.5;
  const s = Math.sqrt(t);
  let r: number;
  if (ax >= 0.975) r = PIO2_HI - (2 * (s + s * rationalR(t)) - PIO2_LO);
  else {
    const w = head(s);
    const c = (t - w * w) / (s + w);
    const p = 2 * s * rationalR(t) - (PIO2_LO - 2 * c);
    r = PIO4_HI - (p - (PIO4_HI - 2 * w));
  }
  return x < 0 ? -r : r;
}

export function acos(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 1) return x === 1 ? 0 : x === -1 ? PI + 2 * PIO2_LO : NaN;
  if (ax < 0.5) return ax <= 6.938893903907228e-18 ? PIO2_HI + PIO2_LO : PIO2_HI - (x - (PIO2_LO - x * rationalR(x * x)));
  if (x < 0) {
    const z = (1 + x) * 0.5;
    const s = Math.sqrt(z);
    return PI - 2 * (s + (rationalR(z) * s - PIO2_LO));
  }
  const z = (1 - x) * 0.5;
  const s = Math.sqrt(z);
  const df = head(s);
  const c = (z - df * df) / (s + df);
  return 2 * (df + (rationalR(z) * s + c));
}

/** sqrt(x^2 + y^2) without overflow or underflow: the sum of squares in double-double, then one corrected root. */
export function hypot(x: number, y: number): number {
  const ax = Math.abs(x), ay = Math.abs(y);
  if (ax === Infinity || ay === Infinity) return Infinity;
  if (ax !== ax || ay !== ay) return NaN;
  const big = ax > ay ? ax : ay;
  if (big === 0) return 0;
  // far from 1: scale by 2^-k (exact) so that the squares neither overflow nor lose the smaller one's bits
  const e = exponentOf(big) - 1023;
  const k = e > 500 ? 600 : e < -500 ? -600 : 0;
  const a = k ? scale(ax, -k) : ax, b = k ? scale(ay, -k) : ay;
  const a2 = a * a, b2 = b * b;
  const h = a2 + b2;
  const l = productError(a, a, a2) + productError(b, b, b2) + (a2 >= b2 ? a2 - h + b2 : b2 - h + a2);
  const r = Math.sqrt(h);
  const rr = r * r;
  const corrected = r + (h - rr - productError(r, r, rr) + l) / (2 * r);
  return k ? scale(corrected, k) : corrected;
}
