// The native addon's matmul (packages/core/native) against the JS kernel, and its loader's fallback.
//
// At 'highest' (float32 products summed in double, rounded once) and for float64, every element sums its K
// products in order over k in double, as matmulJs does, whatever the microkernel (avx512/avx2/portable), the
// cache blocking or the thread split: the results are the same bits, and that is what is tested. At 'high'
// (float32 sums) the SIMD microkernels fuse each multiply-add (one rounding where JS has two), so they differ
// from matmulJs within the recursive-summation bounds: |native - exact| <= K * u * sum_k |a_ik||b_kj| and
// |native - js| <= (2K + 2) * u * sum_k |a_ik||b_kj|, u = 2^-24; the portable kernel does not fuse and agrees bit
// for bit. One and two threads always agree bit for bit.
//
// Where the install step found a system OpenBLAS (build/blas.txt), it serves float32 products at 'high' that
// the addon's rule picks (never 'highest' or float64): within the same bounds, with the same bits on 1 and 2 threads.
//
// The addon is compiled by the install step (packages/core/native/build.mjs). Where it was not built (a platform
// without a C compiler), the tests that need it are skipped with the reason; on Linux it must be there.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  backend, backendInfo, getBackend, jsBackend, matmul, setBackend, setMatmulPrecision, getMatmulPrecision, tensor,
} from '@tensorgrad/core';
import { matmulJs, type MatmulPrecision } from '../packages/core/src/kernels/matmul.js';
import { loadNative, native, nativeStatus, type NativeKernel } from '../packages/core/src/native/addon.js';
import { nativeBackend } from '../packages/core/src/native/backend.js';
// @ts-expect-error: a plain .mjs install-time script, without types
import { findBlas } from '../packages/core/native/find-blas.mjs';

const status = nativeStatus();
const addon = native();
// On Linux the install step must have built it, or recorded why not (build/error.txt). A checkout whose install
// step never ran (no build folder at all: a worktree installed before the addon existed) skips, saying so.
const neverInstalled = !status.loaded && status.reason.startsWith('not built: no file at');
const expectBuilt = process.platform === 'linux' && process.env.TENSORGRAD_NATIVE_SKIP_BUILD !== '1' && !neverInstalled;
if (!addon) console.warn(`native tests skipped: the addon is not loaded (${status.loaded ? '' : status.reason})`);
// what the install step recorded about a system BLAS, and whether the loader opened it
const blasRecord = new URL('../packages/core/native/build/blas.txt', import.meta.url);
const recorded = existsSync(blasRecord) ? readFileSync(blasRecord, 'utf8').trim() : null; // a path, or why none
const blasLoaded = status.loaded && status.blas.loaded;

describe('the native addon on this platform', () => {
  it.runIf(expectBuilt)('is built by the install step and loaded on Linux', () => {
    expect(status.loaded ? 'loaded' : status.reason).toBe('loaded');
    expect(addon!.info().kernels).toContain('portable');
    expect(addon!.info().kernels[0]).toBe(addon!.info().kernel); // the fastest this CPU runs, by default
  });

  it.runIf(addon && recorded)('opens the system BLAS the install step recorded, or says why there is none', () => {
    const blas = status.loaded ? status.blas : null;
    if (recorded!.startsWith('/')) expect(blas).toEqual({ loaded: true, path: recorded, name: expect.stringMatching(/^OpenBLAS /), serves: expect.stringMatching(/^float32 at 'high'/) });
    else expect(blas).toEqual({ loaded: false, reason: `none at build: ${recorded}` });
    expect(addon!.info().blas).toEqual(blas);
  });
});

type FloatArray = Float32Array | Float64Array;
type Mode = { name: string; T: Float32ArrayConstructor | Float64ArrayConstructor; precision: MatmulPrecision };
const exactModes: Mode[] = [
  { name: 'float32 highest', T: Float32Array, precision: 'highest' },
  { name: 'float64', T: Float64Array, precision: 'highest' },
];

/** mulberry32: values in [-1, 1) with some exact zeros and negative zeros (their signs must survive). */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    return u < 0.02 ? 0 : u < 0.04 ? -0 : 2 * u - 1;
  };
}

/** index of the first element that differs (Object.is: NaN equals NaN, 0 differs from -0), or -1 */
function firstDifference(x: FloatArray, y: FloatArray): number {
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return i;
  return -1;
}

interface Case { M: number; K: number; N: number; transA: boolean; transB: boolean; a: FloatArray; b: FloatArray; aOff: number; bOff: number }

function makeCase(T: Mode['T'], M: number, K: number, N: number, transA: boolean, transB: boolean, seed: number): Case {
  const rnd = random(seed);
  // operands sit at an offset inside a longer array, as one matrix of a batch does
  const aOff = 3, bOff = 5;
  const a = new T(aOff + M * K + 2).map(rnd), b = new T(bOff + K * N + 1).map(rnd);
  return { M, K, N, transA, transB, a, b, aOff, bOff };
}

function runJs(c: Case, T: Mode['T'], precision: MatmulPrecision, outOff = 2): FloatArray {
  const out = new T(outOff + c.M * c.N + 3).fill(7);
  matmulJs(c.a, c.aOff, c.transA, c.b, c.bOff, c.transB, out, outOff, c.M, c.K, c.N, precision);
  return out;
}

function runNative(c: Case, T: Mode['T'], precision: MatmulPrecision, outOff = 2, threads: 1 | 2 = 1, blas: 0 | 1 | 2 = 0): FloatArray {
  const out = new T(outOff + c.M * c.N + 3).fill(7);
  addon!.matmul(c.a, c.aOff, c.transA, c.b, c.bOff, c.transB, out, outOff, c.M, c.K, c.N, precision === 'high', threads, blas);
  return out;
}

/**
 * Fails unless every element of got (from outOff) is within the recursive-summation bounds of the exact sum and of
 * the JS kernel's float32 sum (js, from outOff), and the elements around it are untouched (7).
 */
function expectWithinBounds(c: Case, got: FloatArray, js: FloatArray, outOff: number, where: string) {
  const u = 2 ** -24, { M, K, N, transA, transB } = c;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let exact = 0, abs = 0;
      for (let k = 0; k < K; k++) {
        const x = c.a[c.aOff + (transA ? k * M + i : i * K + k)], y = c.b[c.bOff + (transB ? j * K + k : k * N + j)];
        exact += x * y;
        abs += Math.abs(x * y);
      }
      const g = got[outOff + i * N + j], want = js[outOff + i * N + j];
      if (!(Math.abs(g - exact) <= K * u * abs) || !(Math.abs(g - want) <= (2 * K + 2) * u * abs)) {
        expect.fail(`${where} ${M}x${K}x${N} [${i},${j}]: native ${g}, js ${want}, exact ${exact}, sum|ab| ${abs}`);
      }
    }
  }
  const around = [...got.subarray(0, outOff), ...got.subarray(outOff + M * N)];
  expect(around, where).toEqual(new Array(around.length).fill(7));
}

// Edge sizes around the tiles (4/6/12 rows, 8/16/32 columns), past the k block (256), the row block (64-144)
// and the column block (2040-4096), thin products (computed transposed), empty dimensions, and shapes big
// enough to split over two threads.
const shapes: [number, number, number][] = [
  [1, 1, 1], [7, 17, 63], [17, 7, 1], [1, 65, 129], [63, 65, 17], [65, 129, 65], [129, 300, 33], [150, 513, 70],
  [2, 3, 2050], [2, 1, 4100], [300, 64, 3], [129, 40, 2], [700, 300, 3], [0, 5, 3], [3, 0, 5], [5, 3, 0],
];
const kernels: NativeKernel[] = addon ? addon.info().kernels : [];

describe.runIf(addon)('native matmul: the same bits as the JS kernel', () => {
  afterAll(() => {
    addon!.setKernel(kernels[0]);
  });

  for (const mode of exactModes) {
    it(`${mode.name}: every microkernel, 1 and 2 threads, transposes, offsets, edge and empty sizes`, () => {
      let seed = 1;
      for (const [M, K, N] of shapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const c = makeCase(mode.T, M, K, N, transA, transB, seed++);
            const want = runJs(c, mode.T, mode.precision);
            for (const kernel of kernels) {
              expect(addon!.setKernel(kernel)).toBe(true);
              for (const threads of [1, 2] as const) {
                const got = runNative(c, mode.T, mode.precision, 2, threads);
                const where = `${kernel}, ${threads} thread(s), ${M}x${K}x${N}, transA ${transA}, transB ${transB}`;
                expect(firstDifference(got, want), where).toBe(-1);
              }
            }
          }
        }
      }
    });
  }

  it('the portable kernel at high precision: float32 sums without fusing, the same bits as JS', () => {
    addon!.setKernel('portable');
    for (const [M, K, N] of [[7, 17, 63], [65, 300, 33], [3, 0, 5]] as const) {
      const c = makeCase(Float32Array, M, K, N, false, true, M);
      expect(firstDifference(runNative(c, Float32Array, 'high'), runJs(c, Float32Array, 'high'))).toBe(-1);
    }
  });

  it('infinities and NaN propagate as in JS (0 * Infinity is NaN), float32 and float64', () => {
    for (const T of [Float32Array, Float64Array]) {
      const c = makeCase(T, 9, 20, 18, false, false, 99);
      c.a[c.aOff + 3] = Infinity;
      c.a[c.aOff + 40] = -Infinity;
      c.b[c.bOff + 17] = NaN;
      for (const kernel of kernels) {
        addon!.setKernel(kernel);
        expect(firstDifference(runNative(c, T, 'highest'), runJs(c, T, 'highest')), kernel).toBe(-1);
      }
    }
  });

  it('works on subarrays (the typed array byte offset) and writes nothing outside out[outOff, outOff + M*N)', () => {
    const T = Float64Array;
    const big = new T(1000).map(random(5));
    const a = big.subarray(7, 7 + 12 * 30), b = big.subarray(400, 400 + 30 * 11);
    const outer = new T(200).fill(7);
    const out = outer.subarray(9);
    addon!.matmul(a, 0, false, b, 0, false, out, 4, 12, 30, 11, false, 1);
    const want = new T(191).fill(7);
    matmulJs(a, 0, false, b, 0, false, want, 4, 12, 30, 11, 'highest');
    expect(firstDifference(out, want)).toBe(-1);
    expect(Array.from(outer.subarray(0, 9))).toEqual(new Array(9).fill(7));
  });
});

describe.runIf(addon)('native matmul at high precision (float32 sums, fused multiply-add)', () => {
  afterAll(() => {
    addon!.setKernel(kernels[0]);
  });

  it('is within the recursive-summation bound of the exact sum and of the JS kernel', () => {
    let seed = 500;
    for (const kernel of kernels) {
      addon!.setKernel(kernel);
      for (const [M, K, N] of shapes) {
        for (const [transA, transB] of [[false, false], [true, true]]) {
          const c = makeCase(Float32Array, M, K, N, transA, transB, seed++);
          expectWithinBounds(c, runNative(c, Float32Array, 'high', 0), runJs(c, Float32Array, 'high', 0), 0, kernel);
        }
      }
    }
  });

  it.runIf(blasLoaded)('on the system BLAS: within the same bounds (transposes, offsets, edge and empty sizes), the same bits on 1 and 2 threads', () => {
    let seed = 900;
    for (const [M, K, N] of shapes) {
      for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]]) {
        const c = makeCase(Float32Array, M, K, N, transA, transB, seed++);
        const one = runNative(c, Float32Array, 'high', 2, 1, 1);
        expectWithinBounds(c, one, runJs(c, Float32Array, 'high', 2), 2, `blas, transA ${transA}, transB ${transB}`);
        expect(firstDifference(runNative(c, Float32Array, 'high', 2, 2, 1), one), `${M}x${K}x${N} 2 threads`).toBe(-1);
      }
    }
  });

  it('one and two threads give the same bits', () => {
    for (const kernel of kernels) {
      addon!.setKernel(kernel);
      const c = makeCase(Float32Array, 150, 513, 130, false, false, 3);
      expect(firstDifference(runNative(c, Float32Array, 'high', 0, 2), runNative(c, Float32Array, 'high', 0, 1)), kernel).toBe(-1);
    }
  });
});

describe.runIf(addon)('native matmulBatch: a batch of products, each with matmul\'s bits', () => {
  // a convolution's shapes in small: one weight [M, K] (every aOff the same) times each image's columns [K, N];
  // 2*M*K*N*count is past the thread threshold, so threads 2 splits the batch with the worker
  const M = 8, K = 20, N = 90, count = 10;
  const modes: Mode[] = [...exactModes, { name: 'float32 high', T: Float32Array, precision: 'high' }];
  for (const mode of modes) {
    it(`${mode.name}: broadcast and per-product a, transposes, 1 and 2 threads, the BLAS where it serves`, () => {
      const rnd = random(11);
      const a = new mode.T(2 + count * M * K).map(rnd), b = new mode.T(3 + count * K * N).map(rnd);
      for (const shared of [true, false]) {
        for (const [transA, transB] of [[false, false], [true, false], [false, true]]) {
          const aOffs = Float64Array.from({ length: count }, (_, i) => 2 + (shared ? 0 : i * M * K));
          const bOffs = Float64Array.from({ length: count }, (_, i) => 3 + (count - 1 - i) * K * N);
          const want = new mode.T(1 + count * M * N + 2).fill(7);
          for (let i = 0; i < count; i++) {
            if (mode.precision === 'high') addon!.matmul(a, aOffs[i], transA, b, bOffs[i], transB, want, 1 + i * M * N, M, K, N, true, 1, 2);
            else matmulJs(a, aOffs[i], transA, b, bOffs[i], transB, want, 1 + i * M * N, M, K, N, mode.precision);
          }
          for (const threads of [1, 2] as const) {
            const got = new mode.T(want.length).fill(7);
            addon!.matmulBatch(a, aOffs, transA, b, bOffs, transB, got, 1, M, K, N, mode.precision === 'high', threads, 2);
            expect(firstDifference(got, want), `shared ${shared} transA ${transA} transB ${transB} threads ${threads}`).toBe(-1);
          }
        }
      }
    });
  }

  it('the backend\'s batched matmul (a broadcast weight) gives the JS backend\'s bits at highest', () => {
    const before = { backend: getBackend(), minFlops: backendInfo().minFlops, precision: getMatmulPrecision() };
    try {
      setMatmulPrecision('highest');
      const rnd = random(12);
      const w = tensor(Array.from({ length: M * K }, rnd), { shape: [M, K] }), cols = tensor(Array.from({ length: count * K * N }, rnd), { shape: [count, K, N] });
      const on = (name: 'native' | 'js') => (setBackend(name, { minFlops: 0 }), matmul(w, cols).data as Float32Array);
      expect(firstDifference(on('native'), on('js'))).toBe(-1);
    } finally {
      setBackend(before.backend, { minFlops: before.minFlops });
      setMatmulPrecision(before.precision);
    }
  });

  it('rejects offsets that are not a Float64Array of one length, and offsets past an operand, before writing anything', () => {
    const a = new Float32Array(M * K), b = new Float32Array(2 * K * N), out = new Float32Array(2 * M * N).fill(7);
    const ok = new Float64Array([0, 0]), bOk = new Float64Array([0, K * N]);
    expect(() => addon!.matmulBatch(a, [0, 0] as never, false, b, bOk, false, out, 0, M, K, N, true, 1)).toThrow(/Float64Arrays of one length/);
    expect(() => addon!.matmulBatch(a, new Float64Array(1), false, b, bOk, false, out, 0, M, K, N, true, 1)).toThrow(/Float64Arrays of one length/);
    expect(() => addon!.matmulBatch(a, ok, false, b, new Float64Array([0, K * N + 1]), false, out, 0, M, K, N, true, 1)).toThrow(/matmulBatch: an operand is shorter/);
    expect(() => addon!.matmulBatch(a, new Float64Array([0, 0.5]), false, b, bOk, false, out, 0, M, K, N, true, 1)).toThrow(/integers/);
    expect(() => addon!.matmulBatch(a, ok, false, b, bOk, false, out, 1, M, K, N, true, 1)).toThrow(/shorter/);
    expect(out).toEqual(new Float32Array(2 * M * N).fill(7));
  });
});

describe.runIf(addon)('native matmul arguments', () => {
  it('rejects mixed or non-float arrays and operands shorter than their shapes, before writing anything', () => {
    const a = new Float32Array(12), b = new Float32Array(12), out = new Float32Array(9).fill(7);
    expect(() => addon!.matmul(a, 0, false, new Float64Array(12), 0, false, out, 0, 3, 4, 3, true, 1)).toThrow(RangeError);
    expect(() => addon!.matmul(new Int32Array(12) as never, 0, false, b, 0, false, out, 0, 3, 4, 3, true, 1)).toThrow(/Float32Array/);
    expect(() => addon!.matmul(a, 1, false, b, 0, false, out, 0, 3, 4, 3, true, 1)).toThrow(/shorter/);
    expect(() => addon!.matmul(a, 0, false, b, 0, false, out, 1, 3, 4, 3, true, 1)).toThrow(/shorter/);
    expect(() => addon!.matmul(a, -1, false, b, 0, false, out, 0, 3, 4, 3, true, 1)).toThrow(/integers/);
    expect(() => addon!.matmul(a, 0.5, false, b, 0, false, out, 0, 3, 4, 3, true, 1)).toThrow(/integers/);
    expect(() => addon!.matmul(a, 0, false, b, 0, false, out, 0, 3, 4, 3, true, 3 as never)).toThrow(/1 or 2/);
    expect(Array.from(out)).toEqual(new Array(9).fill(7));
    expect(addon!.setKernel('sse9' as never)).toBe(false);
  });

  it('the BLAS path serves only float32 at high, where a BLAS is loaded; blasOpen says why a library is refused', () => {
    const a = new Float32Array(12), b = new Float32Array(12), out = new Float32Array(9).fill(7);
    expect(() => addon!.matmul(a, 0, false, b, 0, false, out, 0, 3, 4, 3, false, 1, 1)).toThrow(/only float32 at high/);
    expect(() => addon!.matmul(a, 0, false, b, 0, false, out, 0, 3, 4, 3, true, 1, 3 as never)).toThrow(/0, 1 or 2/);
    const d = new Float64Array(12);
    expect(() => addon!.matmul(d, 0, false, d, 0, false, new Float64Array(9), 0, 3, 4, 3, true, 1, 1)).toThrow(/only float32 at high/);
    if (!blasLoaded) expect(() => addon!.matmul(a, 0, false, b, 0, false, out, 0, 3, 4, 3, true, 1, 1)).toThrow(/no BLAS is loaded/);
    expect(Array.from(out)).toEqual(new Array(9).fill(7));
    expect(addon!.blasOpen('/nonexistent/libopenblas.so.0')).toMatch(/^cannot open \/nonexistent\/libopenblas\.so\.0: /);
  });

  it.runIf(process.platform === 'linux')('the install step\'s search: off with TENSORGRAD_NO_BLAS=1, a library without cblas_sgemm refused, none found', () => {
    expect(findBlas({ env: { TENSORGRAD_NO_BLAS: '1' } })).toEqual({ reason: 'not looked for (TENSORGRAD_NO_BLAS=1 at build)' });
    expect(findBlas({ env: {}, names: ['libtensorgrad-nonexistent.so.9'] }).reason).toMatch(/^none found \(libtensorgrad-nonexistent\.so\.9: /);
    // the C library's libm is everywhere and is no BLAS
    expect(findBlas({ env: {}, names: ['libm.so.6'] }).reason).toMatch(/^none usable: \S*libm\.so\.6 has no cblas_sgemm/);
  });
});

describe('the loader without the addon', () => {
  afterAll(() => {
    loadNative(); // back to the install step's build for the other tests
  });

  it('reports why it is missing, and the tensor ops still compute (on wasm or JS)', () => {
    const s = loadNative('/nonexistent/native/build/Release/tensorgrad.node');
    expect(s.loaded).toBe(false);
    expect(s.loaded ? '' : s.reason).toMatch(/^not built: no file at \/nonexistent\/native\/build\/Release\/tensorgrad\.node/);
    expect(native()).toBeNull();
    expect(nativeStatus()).toBe(s);
    const y = matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]]));
    expect(Array.from(y.data)).toEqual([17, 39]);
  });

  it('reports a file that is not an addon as failing to load, with the loader error', () => {
    const s = loadNative(new URL('../package.json', import.meta.url).pathname);
    expect(s.loaded).toBe(false);
    expect(s.loaded ? '' : s.reason).toMatch(/^failed to load .*package\.json: /);
    expect(native()).toBeNull();
  });
});

describe.runIf(addon)('the native backend', () => {
  const initial = { backend: getBackend(), minFlops: backendInfo().minFlops, precision: getMatmulPrecision() };
  afterAll(() => {
    setBackend(initial.backend, { minFlops: initial.minFlops });
    setMatmulPrecision(initial.precision);
  });

  it('setBackend(native): matmul, the optimizer updates and check, relu, add/sub/mul/div, the bias add, axis sums and arg max/min, im2col/col2im, gather/scatterAdd and softmax cross-entropy are its own, the rest the JS backend\'s; backendInfo names the kernel', () => {
    setBackend('native', { minFlops: 0 });
    expect(getBackend()).toBe('native');
    const info = backendInfo();
    expect(info.minFlops).toBe(0);
    expect(info.overrides.sort()).toEqual([
      'adagradStep', 'adamStep', 'add', 'addRowsInPlace', 'argExtremumAxis', 'col2im', 'div', 'firstNonFinite', 'gather', 'im2col', 'matmul', 'matmulBatch', 'mul',
      'relu', 'reluBackward', 'rmspropStep', 'scatterAdd', 'sgdStep', 'softmaxCrossEntropy', 'sub', 'sumAxis',
    ]);
    expect(info.native).toMatchObject({ loaded: true, kernel: kernels[0] });
    const a = tensor([[1, 2, 3], [4, 5, 6]]), b = tensor([[1, 0], [0, 1], [1, 1]]);
    expect(matmul(a, b).toArray()).toEqual([[4, 5], [10, 11]]);
    expect(backend().adamStep).not.toBe(jsBackend.adamStep);
  });

  it.runIf(blasLoaded)('float32 at high: the BLAS serves the products info().blas.serves names, the addon\'s kernel the rest; never at highest or for float64 (the JS bits)', () => {
    const nb = nativeBackend(addon!);
    const viaBackend = (c: Case, T: Mode['T'], precision: MatmulPrecision) => {
      const out = new T(2 + c.M * c.N + 3).fill(7);
      nb.matmul(c.a, c.aOff, c.transA, c.b, c.bOff, c.transB, out, 2, c.M, c.K, c.N, precision);
      return out;
    };
    // K >= 512 and b transposed go to the BLAS; a transposed and a small K with a wide b stay on our kernel
    for (const [M, K, N, transA, transB, served] of [[40, 600, 50, false, false, true], [40, 100, 50, false, true, true], [40, 600, 50, true, false, false], [40, 100, 50, false, false, false]] as const) {
      const c = makeCase(Float32Array, M, K, N, transA, transB, K + N);
      const blas = runNative(c, Float32Array, 'high', 2, 1, 1), own = runNative(c, Float32Array, 'high', 2, 1, 0);
      const where = `${M}x${K}x${N}, transA ${transA}, transB ${transB}`;
      expect(firstDifference(blas, own), `${where}: the two paths must differ here, or this test could not tell them apart`).not.toBe(-1);
      expect(firstDifference(viaBackend(c, Float32Array, 'high'), served ? blas : own), where).toBe(-1);
      expect(firstDifference(viaBackend(c, Float32Array, 'highest'), runJs(c, Float32Array, 'highest')), `${where} highest`).toBe(-1);
      const d = makeCase(Float64Array, M, K, N, transA, transB, K + N);
      expect(firstDifference(viaBackend(d, Float64Array, 'high'), runJs(d, Float64Array, 'high')), `${where} float64`).toBe(-1);
    }
  });

  it('relu, its backward and the fused softmax cross-entropy give the JS backend\'s bits (float32, float64; NaN, infinities, -0)', () => {
    const nb = nativeBackend(addon!);
    for (const T of [Float32Array, Float64Array]) {
      const rnd = random(7);
      const n = 4200; // above the size that goes native (and 600 rows of 7 classes)
      const x = new T(n).map(() => rnd() * 10);
      x.set([NaN, Infinity, -Infinity, -0, 0], 1);
      const g = new T(n).map(rnd);
      g[1] = NaN;
      const relu = (b: typeof jsBackend) => { const out = new T(n); b.relu(x, out); return [out]; };
      const back = (b: typeof jsBackend) => { const out = new T(n); b.reluBackward(x, g, out); return [out]; };
      const backInPlace = (b: typeof jsBackend) => { const out = T.from(g); b.reluBackward(x, out, out); return [out]; };
      // logits from small to far apart (exp underflows), a row with NaN and one with Infinity; labels in range
      const rows = 600, c = 7;
      const logits = new T(rows * c).map((_, i) => rnd() * 10 ** ((i / c) % 4));
      logits[3 * c + 2] = NaN;
      logits[5 * c] = Infinity;
      const labels = Int32Array.from({ length: rows }, () => Math.floor(Math.abs(rnd()) * c) % c);
      const sce = (clip: number) => (b: typeof jsBackend) => {
        const p = new T(rows * c), out = new T(rows);
        b.softmaxCrossEntropy(logits, labels, rows, c, clip, p, out);
        return [p, out];
      };
      for (const [name, run] of [['relu', relu], ['reluBackward', back], ['reluBackward in place', backInPlace], ['softmaxCrossEntropy', sce(1e-7)], ['softmaxCrossEntropy, no clip', sce(0)]] as const) {
        const want = run(jsBackend), got = run(nb);
        want.forEach((w, i) => expect(firstDifference(got[i]!, w), `${T.name} ${name} output ${i}`).toBe(-1));
      }
    }
  });

  it('the optimizers\' non-finite check and linear\'s bias add give the JS backend\'s results (float32, float64; NaN, infinities, -0, odd lengths)', () => {
    const nb = nativeBackend(addon!);
    for (const T of [Float32Array, Float64Array]) {
      const rnd = random(3);
      // several 1024-element blocks and a partial one; the first non-finite at a block's edges, or behind a later one
      for (const [n, at] of [[5001, []], [5001, [0]], [5001, [1023, 4000]], [5001, [1024]], [5001, [5000]], [2049, [2047, 1]], [300, [299]], [255, [7]]] as const) {
        const x = new T(n).map(() => rnd() * 1e30);
        x[n >> 1] = -0;
        at.forEach((i, k) => (x[i] = [NaN, -Infinity, Infinity][k % 3]));
        expect(nb.firstNonFinite(x), `${T.name} n=${n} at ${at}`).toBe(jsBackend.firstNonFinite(x));
      }
      for (const [rows, cols] of [[37, 13], [64, 256], [3, 1], [5, 64]]) {
        const x = new T(rows * cols).map(() => rnd() * 3), row = new T(cols).map(() => rnd() * 1e-3);
        x.set([NaN, -0, Infinity].slice(0, x.length));
        row.set([-0, -Infinity].slice(0, cols), 0);
        const want = T.from(x), got = T.from(x);
        jsBackend.addRowsInPlace(want, row, rows, cols);
        nb.addRowsInPlace(got, row, rows, cols);
        expect(firstDifference(got, want), `${T.name} [${rows}, ${cols}]`).toBe(-1);
      }
    }
  });

  it('sums along an axis give the JS backend\'s bits (each column in order, in double; float32, float64; NaN, infinities, -0)', () => {
    const nb = nativeBackend(addon!);
    for (const T of [Float32Array, Float64Array]) {
      const rnd = random(5);
      // [outer, len, inner]: the bias gradient, odd sizes, rows (inner 1; 8 at a time, and the rest), one row, wider than a 256-column block
      for (const [outer, len, inner] of [[1, 128, 256], [3, 7, 13], [2, 301, 1], [19, 40, 1], [1, 1, 601], [2, 3, 700]]) {
        const x = new T(outer * len * inner).map(() => rnd() * 10 ** Math.floor(rnd() * 8));
        // a column of -0 only (sums to +0, as JS's acc starts at 0), a NaN, an Infinity and a -Infinity meeting it
        for (let k = 0; k < len; k++) x[k * inner] = -0;
        x.set([NaN, Infinity, -Infinity].slice(0, Math.max(0, x.length - 3)), x.length - 3);
        const want = new T(outer * inner), got = new T(outer * inner);
        jsBackend.sumAxis(x, outer, len, inner, want);
        nb.sumAxis(x, outer, len, inner, got);
        expect(firstDifference(got, want), `${T.name} [${outer}, ${len}, ${inner}]`).toBe(-1);
      }
    }
  });

  it('add, sub, mul and div with broadcasting give the JS backend\'s bits (float32, float64; NaN, infinities, -0, division by 0)', () => {
    const nb = nativeBackend(addon!);
    // same shapes, a conv's bias [C, 1] on [N, C, L], a row, a scalar, both sides broadcast, a middle axis
    const cases = [[[7, 41], [7, 41]], [[2, 5, 33], [5, 1]], [[300, 3], [3]], [[257], [1]], [[1], [19, 17]], [[1, 64], [5, 1]], [[3, 1, 130], [3, 4, 1]]];
    for (const T of [Float32Array, Float64Array]) {
      const rnd = random(11);
      for (const [aShape, bShape] of cases) {
        const outShape = aShape.length >= bShape.length
          ? aShape.map((d, i) => Math.max(d, bShape[i - aShape.length + bShape.length] ?? 1))
          : bShape.map((d, i) => Math.max(d, aShape[i - bShape.length + aShape.length] ?? 1));
        const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
        const a = new T(size(aShape)).map(() => rnd() * 10 ** Math.floor(rnd() * 6));
        const b = new T(size(bShape)).map(() => rnd() * 10 ** Math.floor(rnd() * 6));
        a.set([NaN, -0, Infinity, 0].slice(0, a.length));
        b.set([0, -0, -Infinity, NaN].slice(0, b.length));
        for (const op of ['add', 'sub', 'mul', 'div'] as const) {
          const run = (be: typeof jsBackend) => { const out = new T(size(outShape)); be[op](a, aShape, b, bShape, out, outShape); return out; };
          const want = run(jsBackend);
          expect(want.length).toBeGreaterThanOrEqual(256); // large enough to run native
          expect(firstDifference(run(nb), want), `${T.name} ${op} [${aShape}] [${bShape}]`).toBe(-1);
        }
      }
    }
  });

  it('gather and scatterAdd give the JS backend\'s bits (float32, float64; NaN, infinities, -0; repeated indices sum in order)', () => {
    const nb = nativeBackend(addon!);
    for (const T of [Float32Array, Float64Array]) {
      const rnd = random(13);
      // [outer, len, inner] and m: a pool's [N*C, kh*kw, L] picking 1, more picks than len (repeats), inner 1
      for (const [outer, len, inner, m] of [[6, 4, 50, 1], [3, 5, 30, 9], [40, 7, 1, 11]]) {
        const x = new T(outer * len * inner).map(() => rnd() * 10 ** Math.floor(rnd() * 6));
        x.set([NaN, -0, Infinity, -Infinity]);
        const index = Int32Array.from({ length: outer * m * inner }, () => Math.floor(Math.abs(rnd()) * len) % len);
        const src = new T(outer * m * inner).map(() => rnd() * 10 ** Math.floor(rnd() * 6));
        src.set([-0, NaN]);
        const gathered = (b: typeof jsBackend) => { const out = new T(outer * m * inner); b.gather(x, outer, len, inner, index, m, out); return out; };
        const scattered = (b: typeof jsBackend) => { const out = new T(outer * len * inner).fill(-0); b.scatterAdd(src, outer, len, inner, index, m, out); return out; };
        expect(gathered(jsBackend).length).toBeGreaterThanOrEqual(256);
        expect(firstDifference(gathered(nb), gathered(jsBackend)), `${T.name} gather [${outer}, ${len}, ${inner}] m=${m}`).toBe(-1);
        expect(firstDifference(scattered(nb), scattered(jsBackend)), `${T.name} scatterAdd [${outer}, ${len}, ${inner}] m=${m}`).toBe(-1);
      }
    }
  });

  it('im2col, col2im and the arg max/min along an axis give the JS backend\'s results (float32, float64; NaN, infinities, -0; padding, stride, dilation)', () => {
    const nb = nativeBackend(addon!);
    // [n, c, h, w], kernel, stride, padding, dilation: a conv with padding, a 2x2 pool, odd sizes with dilation, a wide stride
    const geometries = [
      [2, 3, 9, 7, 3, 3, 1, 1, 1, 1, 1, 1], [1, 4, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1], [3, 2, 11, 5, 2, 3, 1, 2, 2, 1, 2, 1], [2, 2, 5, 40, 1, 4, 3, 5, 0, 2, 1, 2],
    ].map(([n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw]) => ({
      n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw,
      oh: Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, ow: Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1,
    }));
    for (const T of [Float32Array, Float64Array]) {
      const rnd = random(9);
      for (const g of geometries) {
        const what = `${T.name} ${JSON.stringify(g)}`;
        const x = new T(g.n * g.c * g.h * g.w).map(() => rnd() * 100);
        x.set([NaN, -0, Infinity, -Infinity], 3);
        const cols = (b: typeof jsBackend) => { const out = new T(g.n * g.c * g.kh * g.kw * g.oh * g.ow); b.im2col(x, g, out); return out; };
        const want = cols(jsBackend);
        expect(want.length).toBeGreaterThanOrEqual(256); // large enough to run native
        expect(firstDifference(cols(nb), want), `im2col ${what}`).toBe(-1);
        // col2im sums overlapping windows: values of many magnitudes so that the order of the sums shows
        const c = new T(want.length).map(() => rnd() * 10 ** Math.floor(rnd() * 6));
        c.set([-0, NaN, Infinity], 0);
        const fold = (b: typeof jsBackend) => { const out = new T(x.length).fill(7); b.col2im(c, g, out); return out; };
        expect(firstDifference(fold(nb), fold(jsBackend)), `col2im ${what}`).toBe(-1);
        // the pool's arg max/min over the window axis of the columns [n*c, kh*kw, oh*ow]; ties from rounding
        const tied = want.map((v) => Math.round(v / 30));
        for (const sign of [1, -1] as const) {
          const arg = (b: typeof jsBackend, v: InstanceType<typeof T>) => { const out = new Int32Array(g.n * g.c * g.oh * g.ow); b.argExtremumAxis(v, g.n * g.c, g.kh * g.kw, g.oh * g.ow, out, sign); return out; };
          for (const v of [want, tied]) expect(arg(nb, v), `argExtremumAxis ${sign} ${what}`).toEqual(arg(jsBackend, v));
        }
      }
    }
  });

  it('optimizer updates give the JS backend\'s bits (float32 rounded at every step, and float64), over many steps', () => {
    const nb = nativeBackend(addon!);
    for (const T of [Float32Array, Float64Array]) {
      for (const n of [1000, 63]) { // 63: below the size that goes native, the JS kernel runs
        const run = (b: typeof jsBackend) => {
          const rnd = random(n);
          const arrays = Array.from({ length: 8 }, (_, i) => new T(n).map(() => (i === 3 || i === 5 || i === 7 ? Math.abs(rnd()) : rnd())));
          const [w1, w2, w3, c3, w4, c4, m5, v5] = arrays;
          const w5 = new T(n).map(rnd), v2 = new T(n).map(rnd);
          for (let step = 1; step <= 20; step++) {
            const g = new T(n).map(() => rnd() * 0.1);
            b.sgdStep(w1, g, null, 0, 0.1, false);
            b.sgdStep(w2, g, v2, 0.9, 0.05, step % 2 === 0);
            b.adagradStep(w3, g, c3, 0.5, 1e-7);
            b.rmspropStep(w4, g, c4, 0.02, 1e-7, 0.9);
            b.adamStep(w5, g, m5, v5, 0.001, 1e-7, 0.9, 0.999, 1 - 0.9 ** step, 1 - 0.999 ** step, 1 - 0.001 * 0.01);
          }
          return [w1, w2, v2, w3, c3, w4, c4, w5, m5, v5];
        };
        const want = run(jsBackend), got = run(nb);
        for (let i = 0; i < want.length; i++) expect(firstDifference(got[i], want[i]), `${T.name} n=${n} array ${i}`).toBe(-1);
      }
    }
  });
});

describe('without the addon, in a fresh process', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const core = pathToFileURL(fileURLToPath(new URL('../packages/core/src/index.ts', import.meta.url))).href;
  function node(code: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, env: { ...process.env, ...env } });
      let stdout = '', stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('the default is wasm, backendInfo says why native is absent, results still come; forcing native is a BackendError', async () => {
    const missing = '/nonexistent/build/Release/tensorgrad.node';
    const code = `
      const c = await import(${JSON.stringify(core)});
      const y = c.matmul(c.rand([40, 50]), c.ones([50, 30])).sum().item();
      const report = (f) => { try { f(); return 'ok'; } catch (e) { return e.name + ': ' + e.message; } };
      console.log(JSON.stringify({ backend: c.getBackend(), native: c.backendInfo().native, y, set: report(() => c.setBackend('native')) }));`;
    const [fallback, forced] = await Promise.all([
      node(code, { TENSORGRAD_NATIVE_PATH: missing, TENSORGRAD_BACKEND: '' }),
      node(code, { TENSORGRAD_NATIVE_PATH: missing, TENSORGRAD_BACKEND: 'native' }),
    ]);
    const out = JSON.parse(fallback.stdout);
    expect(out.backend).toBe(backendInfo().simd ? 'wasm' : 'js');
    expect(out.native).toMatchObject({ loaded: false, path: missing });
    expect(out.native.reason).toMatch(/^not built: no file at \/nonexistent\/build\/Release\/tensorgrad\.node/);
    expect(out.y).toBeGreaterThan(0);
    expect(out.set).toMatch(/^BackendError: setBackend: the 'native' backend is not available: not built: no file at /);
    expect(forced.code).not.toBe(0);
    expect(forced.stderr).toMatch(/BackendError: TENSORGRAD_BACKEND=native, but the 'native' backend is not available: not built: no file at /);
  });

  it.runIf(addon)('TENSORGRAD_NO_BLAS=1: the addon leaves the system BLAS closed and its own kernel serves every float32 product', async () => {
    const addonTs = pathToFileURL(fileURLToPath(new URL('../packages/core/src/native/addon.ts', import.meta.url))).href;
    const code = `
      const c = await import(${JSON.stringify(core)});
      const { native } = await import(${JSON.stringify(addonTs)});
      const a = c.rand([40, 600]), b = c.rand([600, 50]);
      const y = c.matmul(a, b).data, own = new Float32Array(40 * 50);
      native().matmul(a.data, 0, false, b.data, 0, false, own, 0, 40, 600, 50, true, 1);
      console.log(JSON.stringify({ backend: c.getBackend(), blas: c.backendInfo().native.blas, same: y.every((v, i) => Object.is(v, own[i])) }));`;
    const run = await node(code, { TENSORGRAD_NO_BLAS: '1', TENSORGRAD_BACKEND: 'native', TENSORGRAD_MATMUL_PRECISION: 'high' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ backend: 'native', blas: { loaded: false, reason: 'off (TENSORGRAD_NO_BLAS=1)' }, same: true });
  });
});
