/**
 * A random generator that reproduces numpy's legacy global RandomState bit for bit:
 * `np.random.seed(s)` followed by rand / randn / randint / permutation / shuffle / uniform.
 *
 * The pieces, as numpy 2.x does them (each checked against numpy by tests/fixtures/make_random.py):
 * - MT19937. seed(s) is init_genrand(s); the 624 words are twisted lazily on the first draw
 *   (pos = 624 after seeding, as numpy's get_state shows).
 * - double: (a >>> 5) * 2^26 + (b >>> 6), over 2^53, from two consecutive 32-bit outputs.
 * - normal: Marsaglia's polar method, f = sqrt(-2 log(r2) / r2) with glibc's log (see glibcLog);
 *   each pair returns f*x2 and caches f*x1 for the next call.
 *   The cache survives across calls and is cleared only by seed() (and set by setState()).
 * - randint(low, high): with r = high - low - 1, r = 0 draws nothing; r = 2^32 - 1 uses the raw
 *   32-bit output; otherwise masked rejection: draw (u32 & mask) until it is <= r, where mask is
 *   the smallest 2^k - 1 >= r. numpy's default int64 dtype takes this same 32-bit path for ranges
 *   that fit in 32 bits, so the values equal randint(..., dtype=int32).
 * - shuffle: Fisher-Yates from the end: for i = n-1 .. 1, j = masked draw in [0, i], swap a[i], a[j].
 *   permutation(n) is shuffle(arange(n)).
 * - uniform(low, high) = low + (high - low) * double.
 */

import { ValueError } from './errors.js';
import { log, productError } from './kernels/libm.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const UINT32_MAX = 0xffffffff;

// ---------------------------------------------------------------------------------------------
// log() exactly as numpy gets it from glibc (2.28+, x86-64 with FMA, the variant this project's
// machines run). V8's Math.log differs from it in the last bit for ~3% of inputs and a correctly
// rounded log still differs for ~0.1%, which would make randn drift from numpy. So this follows
// glibc's algorithm (from Arm's optimized-routines) operation by operation, in the order of its
// compiled x86-64 FMA variant, with glibc's table and coefficients (read from libm's __log_data)
// and each fused multiply-add emulated exactly. It matched glibc's log on 4.7M inputs and numpy's
// randn on 2*10^7 values; tests/random.test.ts checks 10^5-value randn streams against numpy.
// ---------------------------------------------------------------------------------------------

const LN2HI = 0.6931471805598903;
const LN2LO = 5.497923018708371e-14;
const A0 = -0.5000000000000001;
const A1 = 0.33333333331825593;
const A2 = -0.2499999999622955;
const A3 = 0.20000304511814496;
const A4 = -0.16667054827627667;
const B0 = -0.5;
const B1 = 0.3333333333333352;
const B2 = -0.24999999999998432;
const B3 = 0.19999999999320328;
const B4 = -0.16666666669929706;
const B5 = 0.14285715076560868;
const B6 = -0.12499997863982555;
const B7 = 0.11110712032936046;
const B8 = -0.10000486757818193;
const B9 = 0.09181994006195467;
const B10 = -0.08328363062289341;
// glibc's table (its __log_data, from Arm's optimized-routines): x's bit pattern from 0x1.6p-1 on splits into 128
// subintervals, and for the i-th glibc chose invc among the 2^30 doubles around 1/center, the one that makes logc
// (below) nearly exact. Stored as that choice, how many doubles invc lies from 1/center, not as 128 full doubles.
const INVC_STEPS = [
  -23142382, -57643754, -234334839, -124664804, 19045012, -123323398, -501163255, 342479926, -234593306, 57421184,
  513617488, -240891478, 85169741, 28659150, 284053799, 342563057, -68420459, -346144712, -90113766, -464022980,
  285342708, -489548825, 376054848, 47397812, -423637851, -260988534, 336107021, 448241578, 154177355, 447893384,
  241227555, -420636714, -218426730, -96876684, -205835218, -368178198, -345128710, -510284502, 481763731, 209336112,
  429336310, 15489329, 442353177, -417834330, 73183371, 515232680, 507984536, 83787275, 330409952, 151596684,
  377744204, 198302857, 214798271, -345957716, 356163107, 215510022, -229897960, -131709726, 215213618, -464519207,
  -332821996, 385780520, -400344786, 256208139, 478356527, 345720337, 128466877, 217515751, -162048343, 295127580,
  -235892775, -69369347, 93666841, -272860130, 91915174, 29018059, 258893229, 386009280, -241633007, 68399381,
  386341370, 408940642, 65060217, -120872168, 189498853, -32395328, -49955913, 154042178, -346113480, 148348366,
  -396488327, -427431396, 107119491, -500798201, 212184347, 305888811, -330297730, -91422864, 6707636, 273897542,
  -512931067, -500150233, 485589437, -280752730, 106848032, 30953893, -291342514, -408884927, 149302919, -107851081,
  225432558, 460497078, -452391632, -490679353, 508304210, 493208081, 336502878, 526975298, -457361038, -312310462,
  -365194252, -421357131, 362015322, 310793228, -441535439, -69145545, -528727990, 433364383,
];
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer); // U32[0]: low word, U32[1]: high word (little-endian)
const I64 = new BigInt64Array(F64.buffer);

export const LOG_INVC = new Float64Array(INVC_STEPS.map((steps, i) => {
  U32[1] = 0x3fe60000 + (i << 13) + (1 << 12); // the center's high word (its low word is 0)
  U32[0] = 0;
  F64[0] = 1 / F64[0]!;
  I64[0] += BigInt(steps); // doubles of one sign are ordered as their bit patterns
  return F64[0]!;
}));
// Its logc column is log(c) for c = 1/invc, which glibc rounded to a multiple of 2^-43 (it picked each c so that
// log(c) lies within 2^-66 of one: the 2^-43 grid keeps k*ln2hi + logc exact). So the multiple of 2^-43 nearest
// to -log(invc) is glibc's value, recomputed here rather than stored (tests/random.test.ts compares all 128).
export const LOG_LOGC = LOG_INVC.map((invc) => Math.round(-log(invc) * 2 ** 43) / 2 ** 43);

/** fma(a, b, c) = a*b + c rounded once (Boldo-Melquiond: exact product, 2Sum, round-to-odd). */
function fma(a: number, b: number, c: number): number {
  const ph = a * b;
  const pl = productError(a, b, ph); // a*b = ph + pl exactly
  const th = c + ph;
  let bv = th - c;
  const tl = c - (th - bv) + (ph - bv); // c + ph = th + tl exactly
  const v = tl + pl;
  bv = v - tl;
  const ve = tl - (v - bv) + (pl - bv); // tl + pl = v + ve exactly
  return th + roundToOdd(v, ve);
}

/** The double that rounds v + err to odd: v if exact or v's last bit is 1, else v's neighbour toward err. */
function roundToOdd(v: number, err: number): number {
  if (err === 0) return v;
  F64[0] = v;
  if ((U32[0]! & 1) === 1) return v;
  if ((err > 0) === (v > 0)) {
    U32[0] = U32[0]! + 1; // even low word: no carry
  } else {
    if (U32[0] === 0) U32[1] = U32[1]! - 1;
    U32[0] = U32[0]! - 1;
  }
  return F64[0]!;
}

/** Natural log of a positive, normal, finite double, bit-identical to glibc's log(). */
function glibcLog(x: number): number {
  if (x >= 0.9375 && x < 1.064697265625) {
    // Near 1: log1p-style polynomial in r = x - 1, with r^2/2 done in extra precision.
    if (x === 1) return 0;
    const r = x - 1;
    const r2 = r * r;
    const r3 = r * r2;
    const p1 = fma(r2, B3, fma(r, B2, B1));
    const p2 = fma(r2, B6, fma(r, B5, B4));
    const p3 = fma(r3, B10, fma(r2, B9, fma(r, B8, B7)));
    const poly = fma(fma(p3, r3, p2), r3, p1);
    const w = r * 134217728;
    const rhi = w + r - w; // top 26 bits of r, so rhi*rhi is exact
    const rlo = r - rhi;
    const sq = rhi * rhi * B0;
    const hi = r + sq;
    let lo = r - hi + sq;
    lo = fma(B0 * rlo, r + rhi, lo);
    return fma(poly, r3, lo) + hi;
  }
  // x = 2^k z with z in [0x1.6p-1, 0x1.6p0); the top 7 mantissa bits of z pick c from the table.
  F64[0] = x;
  const top = U32[1]!;
  const tmp = (top - 0x3fe60000) | 0;
  const i = (tmp >>> 13) & 127;
  const k = tmp >> 20;
  U32[1] = top - (tmp & 0xfff00000);
  const z = F64[0]!;
  const invc = LOG_INVC[i]!;
  const logc = LOG_LOGC[i]!;
  const r = fma(z, invc, -1);
  // log(x) = k*ln2 + log(c) + log1p(r); k*LN2HI is exact.
  const w = k * LN2HI + logc;
  const hi = w + r;
  const lo = fma(k, LN2LO, w - hi + r);
  const r2 = r * r;
  const r3 = r * r2;
  const poly = fma(fma(r, A4, A3), r2, fma(r, A2, A1));
  return fma(r3, poly, fma(r2, A0, lo)) + hi;
}

/** A bad argument to a random function: a count, a bound or a seed out of range or not an integer. */
export class RandomArgumentError extends ValueError {}

/** A state object passed to setState() that is not a valid MT19937 generator state. */
export class RandomStateError extends ValueError {}

/** The generator's full state, like numpy's get_state(): ('MT19937', key, pos, has_gauss, cached_gaussian). */
export interface GeneratorState {
  /** The 624 MT19937 words, each an integer in [0, 2^32 - 1]. */
  key: number[];
  /** Index of the next word to temper, 0..624 (624: twist before the next draw). */
  pos: number;
  /** Whether a second polar-method normal is cached. */
  hasGauss: boolean;
  /** The cached normal (0 when none). */
  gauss: number;
}

function checkCount(n: number, fn: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RandomArgumentError(`${fn}: n must be a non-negative integer, got ${String(n)}`);
  }
}

/** Smallest 2^k - 1 that is >= r (r < 2^32). */
function maskFor(r: number): number {
  let m = r;
  m |= m >>> 1;
  m |= m >>> 2;
  m |= m >>> 4;
  m |= m >>> 8;
  m |= m >>> 16;
  return m >>> 0;
}

export class Generator {
  private readonly mt = new Uint32Array(N);
  private pos = N;
  private hasGauss = false;
  private gauss = 0;

  /** Without a seed, seeds from the clock and Math.random (like numpy's unseeded global state, not reproducible). */
  constructor(seed?: number) {
    if (seed === undefined) {
      this.seed((Date.now() ^ Math.floor(Math.random() * 4294967296)) >>> 0);
    } else {
      this.seed(seed);
    }
  }

  /** Like np.random.seed(seed) for an integer seed in [0, 2^32 - 1]; also clears the cached normal. */
  seed(seed: number): void {
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > UINT32_MAX) {
      throw new RandomArgumentError(`seed must be an integer in [0, 2**32 - 1], got ${String(seed)}`);
    }
    const mt = this.mt;
    mt[0] = seed;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
    this.pos = N;
    this.hasGauss = false;
    this.gauss = 0;
  }

  /** Regenerates all 624 words (the MT19937 "twist"). */
  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    let y: number;
    for (; kk < N - M; kk++) {
      y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; kk < N - 1; kk++) {
      y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + M - N]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.pos = 0;
  }

  /** The next raw 32-bit output, in [0, 2^32 - 1]. */
  nextUint32(): number {
    if (this.pos >= N) this.twist();
    let y = this.mt[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** One value of np.random.random_sample(): 53 random bits in [0, 1). */
  randomDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** One legacy normal (polar method with the cached second value). */
  private nextGauss(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const g = this.gauss;
      this.gauss = 0;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomDouble() - 1;
      x2 = 2 * this.randomDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * glibcLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** np.random.rand(n) / random_sample(n): n values in [0, 1). */
  random(n: number): Float64Array {
    checkCount(n, 'random');
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.randomDouble();
    return out;
  }

  /** np.random.randn(n): n standard normals, legacy polar method. */
  standardNormal(n: number): Float64Array {
    checkCount(n, 'standardNormal');
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextGauss();
    return out;
  }

  /** np.random.uniform(low, high, n): low + (high - low) * u. Like numpy, high <= low is allowed. */
  uniform(low: number, high: number, n: number): Float64Array {
    if (!Number.isFinite(low) || !Number.isFinite(high) || !Number.isFinite(high - low)) {
      throw new RandomArgumentError(`uniform: low and high must be finite with a finite range, got low=${low}, high=${high}`);
    }
    checkCount(n, 'uniform');
    const range = high - low;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = low + range * this.randomDouble();
    return out;
  }

  /** np.random.randint(low, high, size=n): integers in [low, high); both bounds must fit int32 ([-2^31, 2^31]). */
  randint(low: number, high: number, n: number): Int32Array {
    if (!Number.isInteger(low) || !Number.isInteger(high)) {
      throw new RandomArgumentError(`randint: low and high must be integers, got low=${low}, high=${high}`);
    }
    if (low >= high) {
      throw new RandomArgumentError(`randint: low must be < high, got low=${low}, high=${high}`);
    }
    if (low < -2147483648 || high > 2147483648) {
      throw new RandomArgumentError(`randint: [low, high) must lie in int32 range [-2**31, 2**31), got low=${low}, high=${high}`);
    }
    checkCount(n, 'randint');
    const out = new Int32Array(n);
    const r = high - low - 1; // inclusive range, as numpy counts it
    if (r === 0) {
      out.fill(low); // numpy draws nothing for a single value
    } else if (r === UINT32_MAX) {
      for (let i = 0; i < n; i++) out[i] = low + this.nextUint32();
    } else {
      const mask = maskFor(r);
      for (let i = 0; i < n; i++) {
        let v: number;
        do v = (this.nextUint32() & mask) >>> 0;
        while (v > r);
        out[i] = low + v;
      }
    }
    return out;
  }

  /** numpy's random_interval: a masked rejection draw in [0, max]. */
  private interval(max: number): number {
    if (max === 0) return 0;
    const mask = maskFor(max);
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** np.random.permutation(n): a shuffled 0..n-1. */
  permutation(n: number): Int32Array {
    checkCount(n, 'permutation');
    if (n > 2147483647) throw new RandomArgumentError(`permutation: n must be < 2**31, got ${n}`);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  /** np.random.shuffle on a 1-D array: shuffles `a` in place and returns it. */
  shuffle<T extends { length: number; [i: number]: any }>(a: T): T {
    if (a === null || typeof a !== 'object' || !Number.isSafeInteger(a.length) || a.length < 0) {
      throw new RandomArgumentError(`shuffle: expected an array or typed array, got ${String(a)}`);
    }
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A plain JSON-serializable copy of the state, matching numpy's get_state() fields. */
  getState(): GeneratorState {
    return { key: Array.from(this.mt), pos: this.pos, hasGauss: this.hasGauss, gauss: this.gauss };
  }

  /** Restores a state from getState() (or numpy's get_state()); throws RandomStateError and changes nothing if it is invalid. */
  setState(s: GeneratorState): void {
    if (s === null || typeof s !== 'object') {
      throw new RandomStateError(`setState: expected a state object, got ${String(s)}`);
    }
    const { key, pos, hasGauss, gauss } = s;
    if (key === null || typeof key !== 'object' || key.length !== N) {
      throw new RandomStateError(`setState: key must be an array of ${N} integers, got length ${key?.length}`);
    }
    let nonzero = false;
    for (let i = 0; i < N; i++) {
      const k = key[i];
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > UINT32_MAX) {
        throw new RandomStateError(`setState: key[${i}] must be an integer in [0, 2**32 - 1], got ${String(k)}`);
      }
      // Only the top bit of key[0] takes part in the recurrence.
      if (i === 0 ? k >= UPPER_MASK : k !== 0) nonzero = true;
    }
    if (!nonzero) throw new RandomStateError('setState: key is degenerate (all state bits zero)');
    if (!Number.isInteger(pos) || pos < 0 || pos > N) {
      throw new RandomStateError(`setState: pos must be an integer in [0, ${N}], got ${String(pos)}`);
    }
    if (typeof hasGauss !== 'boolean') {
      throw new RandomStateError(`setState: hasGauss must be a boolean, got ${String(hasGauss)}`);
    }
    if (typeof gauss !== 'number' || !Number.isFinite(gauss)) {
      throw new RandomStateError(`setState: gauss must be a finite number, got ${String(gauss)}`);
    }
    this.mt.set(key);
    this.pos = pos;
    this.hasGauss = hasGauss;
    this.gauss = hasGauss ? gauss : 0;
  }
}

/** The global generator (randomly seeded at load, like numpy's; call manualSeed for reproducible runs). */
export const defaultGenerator: Generator = new Generator();

/** Seeds the global generator, like np.random.seed(seed). */
export function manualSeed(seed: number): void {
  defaultGenerator.seed(seed);
}
