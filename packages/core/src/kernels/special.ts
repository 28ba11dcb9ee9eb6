// The error function family in double precision (to about 1 ulp), written from the textbook expansions:
// - |x| < 0.5: erf's Maclaurin series; erfc = 1 - erf there (no cancellation: erfc > 0.47);
// - 0.5 <= |x| < 4: erfc's Taylor series around the nearest of 29 centres 1/8 apart, whose values are a table
//   (computed with mpmath); erf = 1 - erfc;
// - x >= 4: erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), the continued fraction
//   (Lentz's method; a few dozen steps there);
// e^(-x^2) is taken with x^2 split into an exact head and a small tail, so its rounding does not grow with x^2.
// erfinv: Winitzki's closed-form guess refined by Halley steps on erf (on erfc near +-1, where 1 - |y| is exact).
import * as libm from './libm.js';

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const TWO_OVER_SQRT_PI_LO = 1.533545961316588e-17; // 2/sqrt(pi) - TWO_OVER_SQRT_PI
const ONE_OVER_SQRT_PI = 0.5641895835477563;
const SPLIT = 134217729; // 2^27 + 1: Veltkamp's splitter

/** e^(-x^2) without the rounding of x^2 amplified: x = hi + lo with hi^2 exact. */
function expNegSquare(x: number): number {
  const t = SPLIT * x;
  const hi = t - (t - x);
  const lo = x - hi;
  return libm.exp(-hi * hi) * libm.exp(-lo * (2 * hi + lo));
}

/** erf(x) for |x| < 0.5 by its Maclaurin series (terms fall by x^2 / 1 or faster: no real cancellation). */
function erfSmall(x: number): number {
  const x2 = x * x;
  // x (1 + rest): the small rest summed on its own, so that x is added once, last
  let power = 1, rest = 0;
  for (let n = 1; n < 40; n++) {
    power *= -x2 / n;
    const term = power / (2 * n + 1);
    rest += term;
    if (Math.abs(term) <= 1e-18) break;
  }
  const sum = x + x * rest;
  return TWO_OVER_SQRT_PI * sum + TWO_OVER_SQRT_PI_LO * sum;
}

/** erfc(0.5 + k/8) for k = 0..28, the centres of erfcTaylor (computed to 100 bits with mpmath). */
const ERFC_CENTRES = [
  0.4795001221869535,
  0.376759117811582,
  0.28884436634648486,
  0.21592493894014034,
  0.15729920705028513,
  0.11161176829829224,
  0.07709987174354177,
  0.051829927217909674,
  0.033894853524689274,
  0.021556266760016336,
  0.013328328780817557,
  0.00800994232988003,
  0.004677734981047266,
  0.0026540293594823415,
  0.0014627165866811518,
  0.0007829382178911192,
  0.0004069520174449589,
  0.00020537573614121745,
  0.00010062192211963683,
  4.785483974377341e-05,
  2.209049699858544e-05,
  9.89673462524562e-06,
  4.302779463675122e-06,
  1.8152814274403558e-06,
  7.430983723414128e-07,
  2.951401925115699e-07,
  1.1372725656979665e-07,
  4.2513944082491124e-08,
  1.541725790028002e-08,
];

/**
 * erfc(x) for 0.5 <= x < 4 by its Taylor series around the nearest centre c (|h| <= 1/16):
 * erfc(c + h) = erfc(c) - 2/sqrt(pi) e^(-c^2) sum_k>=1 (-1)^(k-1) H_(k-1)(c) h^k / k!, H the Hermite polynomials.
 */
function erfcTaylor(x: number): number {
  const k = Math.round((x - 0.5) * 8);
  const c = 0.5 + k / 8;
  const h = x - c;
  let hPrev = 0, hCur = 1; // H_(n-1)(c), H_n(c)
  let power = h, sum = h; // k = 1: H_0 h
  for (let n = 1; n < 60; n++) {
    const hNext = 2 * c * hCur - 2 * (n - 1) * hPrev;
    hPrev = hCur;
    hCur = hNext;
    power *= -h / (n + 1);
    const term = hCur * power;
    sum += term;
    if (Math.abs(term) <= Math.abs(sum) * 1e-17) break;
  }
  return ERFC_CENTRES[k] - TWO_OVER_SQRT_PI * libm.exp(-c * c) * sum;
}

/**
 * erfc(x) for x >= 4 by the continued fraction x + (1/2)/(x + 1/(x + (3/2)/(x + ...))), evaluated from depth 40
 * upwards (stable, and converged to double there).
 */
function erfcFraction(x: number): number {
  let t = x;
  for (let n = 40; n > 0; n--) t = x + n / 2 / t;
  return (ONE_OVER_SQRT_PI * expNegSquare(x)) / t;
}

export function erfScalar(x: number): number {
  if (x !== x) return NaN;
  const a = Math.abs(x);
  if (a < 0.5) return erfSmall(x);
  const r = a < 4 ? 1 - erfcTaylor(a) : a < 6 ? 1 - erfcFraction(a) : 1;
  return x > 0 ? r : -r;
}

export function erfcScalar(x: number): number {
  if (x !== x) return NaN;
  if (x < -0.5) return 2 - erfcScalar(-x);
  if (x < 0.5) return 1 - erfSmall(x);
  if (x < 4) return erfcTaylor(x);
  if (x > 27.3) return 0; // below the smallest subnormal
  return erfcFraction(x);
}

export function erfinvScalar(y: number): number {
  if (!(y >= -1 && y <= 1)) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y; // keeps -0
  const a = Math.abs(y);
  // Winitzki's approximation (relative error ~2e-3), then Halley on erf or, near 1, on erfc with 1 - a exact.
  const k = 0.147;
  const l = libm.log((1 - a) * (1 + a));
  const b = 2 / (Math.PI * k) + l / 2;
  let x = Math.sqrt(Math.sqrt(b * b - l / k) - b);
  const tail = a > 0.5;
  const target = tail ? 1 - a : a;
  for (let i = 0; i < 4; i++) {
    // f(x) = erf(x) - a (or erfc(x) - (1 - a), whose derivative has the other sign); Halley: dx = f/f' / (1 + x f/f')
    const f = tail ? target - erfcScalar(x) : erfScalar(x) - target;
    const ratio = f / (TWO_OVER_SQRT_PI * expNegSquare(x));
    const step = ratio / (1 + x * ratio);
    x -= step;
    if (Math.abs(step) <= Math.abs(x) * 1e-17) break;
  }
  return y < 0 ? -x : x;
}
