// The WebAssembly SIMD matmul against the JS kernel, the backend switches, the matmul precision, and the
// second thread.
//
// Both kernels sum every element in order over k with the same roundings (float32 outputs in double rounded
// once at 'highest' precision, in float32 at 'high'; float64 always in double), so without relaxed SIMD's fused
// multiply-add they agree bit for bit, and that is what is tested, in both precisions. With it
// (TENSORGRAD_WASM_RELAXED=1 on an engine that has it) the bound is the recursive-summation one:
// |wasm - js| <= (K + 2) * u * sum_k |a_ik||b_kj|, u = 2^-24 (float32) or 2^-53 (float64).
//
// The kernel-level comparison imports the two kernels from core's sources (they are not public API).
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BackendError, backend, jsBackend, backendInfo, getBackend, getMatmulPrecision, getNumThreads, matmul, setBackend, setMatmulPrecision,
  setNumThreads, tensor, zeros, type MatmulPrecision,
} from '@tensorgrad/core';
import { matmulJs } from '../packages/core/src/kernels/matmul.js';
import { matmulLayout, wasmLimits, wasmMatmul } from '../packages/core/src/wasm/runtime.js';

type FloatArray = Float32Array | Float64Array;

/** Deterministic values in [-1, 1) (mulberry32), so a failure reproduces. */
function values(n: number, seed: number, T: typeof Float32Array | typeof Float64Array): FloatArray {
  const out = new T(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

const SENTINEL = 12345.5;
const OFF = { a: 3, b: 5, out: 7 }; // batched offsets: every operand starts inside a larger buffer

interface Case {
  M: number; K: number; N: number; transA: boolean; transB: boolean;
  T: typeof Float32Array | typeof Float64Array; precision: MatmulPrecision;
}
const PRECISIONS: MatmulPrecision[] = ['highest', 'high'];

/** Runs both kernels on one case; returns the first problem found, or null. */
function compare({ M, K, N, transA, transB, T, precision }: Case, seed: number): string | null {
  const a = values(OFF.a + M * K + 2, seed, T);
  const b = values(OFF.b + K * N + 2, seed + 1, T);
  const js = new T(OFF.out + M * N + 4).fill(SENTINEL);
  const wasm = new T(OFF.out + M * N + 4).fill(SENTINEL);
  matmulJs(a, OFF.a, transA, b, OFF.b, transB, js, OFF.out, M, K, N, precision);
  if (!wasmMatmul(a, OFF.a, transA, b, OFF.b, transB, wasm, OFF.out, M, K, N, precision)) return 'wasm kernel did not run';
  // sum_k |a_ik||b_kj|: the JS kernel on absolute values
  const bound = new T(OFF.out + M * N);
  matmulJs(a.map(Math.abs), OFF.a, transA, b.map(Math.abs), OFF.b, transB, bound, OFF.out, M, K, N, 'highest');
  const exact = backendInfo().relaxedSimd !== 'used';
  const u = T === Float32Array ? 2 ** -24 : 2 ** -53;
  const what = `${T.name} ${precision} M=${M} K=${K} N=${N} transA=${transA} transB=${transB}`;
  for (let i = 0; i < js.length; i++) {
    const inside = i >= OFF.out && i < OFF.out + M * N;
    if (!inside) {
      if (wasm[i] !== SENTINEL) return `${what}: wrote outside the output at ${i}`;
      continue;
    }
    const tol = exact ? 0 : (K + 2) * u * bound[i] * 1.0001;
    if (!(Math.abs(wasm[i] - js[i]) <= tol)) return `${what}: element ${i - OFF.out} is ${wasm[i]}, JS ${js[i]} (allowed ${tol})`;
  }
  return null;
}

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 31, 37, 61, 67];
const TRANS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

describe('wasm matmul kernel against the JS kernel', () => {
  it('backend is wasm here (Node 20 validates wasm SIMD)', () => {
    expect(backendInfo().simd).toBe(true);
  });

  it('random shapes 1..70, 1s and primes, all four transpose combinations, both float dtypes, both precisions, offsets', () => {
    const shapes: [number, number, number][] = [
      [1, 1, 1], [1, 7, 1], [1, 70, 33], [33, 70, 1], [70, 1, 70], [2, 2, 2], [3, 5, 7], [17, 13, 31], [61, 67, 37],
      [128, 256, 10], [10, 256, 128], [1, 300, 64], [16, 16, 16], [32, 33, 32], [2, 600, 3],
    ];
    let s = 99;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 70) + 1;
    for (let i = 0; i < 30; i++) shapes.push([rnd(), rnd(), rnd()]);
    for (let i = 0; i < 10; i++) shapes.push([PRIMES[rnd() % PRIMES.length], PRIMES[rnd() % PRIMES.length], PRIMES[rnd() % PRIMES.length]]);
    const problems: string[] = [];
    let seed = 1;
    for (const [M, K, N] of shapes) {
      for (const [transA, transB] of TRANS) {
        for (const T of [Float32Array, Float64Array]) {
          for (const precision of PRECISIONS) {
            const p = compare({ M, K, N, transA, transB, T, precision }, seed++);
            if (p) problems.push(p);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('K larger than one packed block (K=300, 600) and more rows than one block (M=130)', () => {
    const problems: string[] = [];
    for (const [M, K, N] of [[130, 300, 45], [5, 600, 70], [130, 257, 9]]) {
      for (const [transA, transB] of TRANS) {
        for (const T of [Float32Array, Float64Array]) {
          for (const precision of PRECISIONS) {
            const p = compare({ M, K, N, transA, transB, T, precision }, M + K + N);
            if (p) problems.push(p);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('a NaN in one row of A spoils only that row of the product (no leak through padding)', () => {
    for (const precision of PRECISIONS) {
      for (const N of [3, 16, 40]) {
        const M = 9, K = 20;
        const a = values(M * K, 7, Float32Array);
        const b = values(K * N, 8, Float32Array);
        a[4 * K + 3] = NaN; // row 4
        const out = new Float32Array(M * N);
        expect(wasmMatmul(a, 0, false, b, 0, false, out, 0, M, K, N, precision)).toBe(true);
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) expect(Number.isNaN(out[i * N + j])).toBe(i === 4);
        }
      }
    }
  });

  it("float32 at 'highest' is the float64 product rounded once; 'high' (float32 sums) is not, over a long K", () => {
    // [3, 4099] @ [4099, 5]: long enough for float32 accumulation to drift from the double sum
    const [M, K, N] = [3, 4099, 5];
    const a = values(M * K, 21, Float32Array), b = values(K * N, 22, Float32Array);
    // the reference: the same float32 values as float64, the double kernel, then one rounding to float32
    const ref64 = new Float64Array(M * N);
    matmulJs(Float64Array.from(a), 0, false, Float64Array.from(b), 0, false, ref64, 0, M, K, N, 'highest');
    const ref = Array.from(ref64, Math.fround);
    const at = (precision: MatmulPrecision, kernel: 'js' | 'wasm') => {
      const out = new Float32Array(M * N);
      if (kernel === 'js') matmulJs(a, 0, false, b, 0, false, out, 0, M, K, N, precision);
      else expect(wasmMatmul(a, 0, false, b, 0, false, out, 0, M, K, N, precision)).toBe(true);
      return Array.from(out);
    };
    expect(at('highest', 'js')).toEqual(ref);
    if (backendInfo().relaxedSimd !== 'used') expect(at('highest', 'wasm')).toEqual(ref);
    const high = at('high', 'js');
    expect(high.filter((x, i) => x !== ref[i]).length).toBeGreaterThan(0);
    // ... within the recursive-summation bound (K + 1) * 2^-24 * sum_k |a_ik||b_kj|
    const abs = new Float64Array(M * N);
    matmulJs(Float64Array.from(a, Math.abs), 0, false, Float64Array.from(b, Math.abs), 0, false, abs, 0, M, K, N, 'highest');
    for (let i = 0; i < M * N; i++) expect(Math.abs(high[i] - ref[i])).toBeLessThanOrEqual((K + 1) * 2 ** -24 * abs[i]);
  });
});

describe('backend selection', () => {
  const initial = { backend: getBackend(), minFlops: backendInfo().minFlops, threads: getNumThreads(), precision: getMatmulPrecision() };
  afterAll(() => {
    setBackend(initial.backend, { minFlops: initial.minFlops });
    setNumThreads(initial.threads);
    setMatmulPrecision(initial.precision);
  });

  it('setBackend / getBackend / backendInfo, and matmul agrees across backends through the public API', () => {
    const a = tensor(Array.from(values(40 * 30, 3, Float64Array)), { shape: [2, 20, 30], dtype: 'float64' });
    const b = tensor(Array.from(values(30 * 25, 4, Float64Array)), { shape: [30, 25], dtype: 'float64' });
    setBackend('js');
    expect(getBackend()).toBe('js');
    expect(backendInfo().backend).toBe('js');
    const viaJs = matmul(a, b).toArray();
    setBackend('wasm', { minFlops: 0 });
    expect(getBackend()).toBe('wasm');
    expect(backendInfo().minFlops).toBe(0);
    const viaWasm = matmul(a, b).toArray(); // batched with a broadcast right operand
    if (backendInfo().relaxedSimd !== 'used') expect(viaWasm).toEqual(viaJs);
    // empty inner dimension: zeros, whatever the backend
    expect(Array.from(matmul(zeros([3, 0]), zeros([0, 4])).data)).toEqual(new Array(12).fill(0));
  });

  it('backend() is the object every kernel call goes through: js has every entry, wasm overrides matmul only', () => {
    setBackend('js');
    expect(backend()).toBe(jsBackend);
    expect(backendInfo().overrides).toEqual([]);
    setBackend('wasm');
    expect(backend().name).toBe('wasm');
    expect(backendInfo().overrides).toEqual(['matmul']);
    const entries = Object.keys(jsBackend);
    expect(Object.keys(backend()).sort()).toEqual(entries.sort());
    for (const k of entries) if (k !== 'name') expect(typeof jsBackend[k as keyof typeof jsBackend]).toBe('function');
  });

  it('setMatmulPrecision / getMatmulPrecision / backendInfo; float32 matmul agrees across backends in both', () => {
    expect(initial.precision).toBe('high'); // the default (no TENSORGRAD_MATMUL_PRECISION in the tests' env)
    const a = tensor(Array.from(values(3 * 20 * 700, 5, Float32Array)), { shape: [3, 20, 700] });
    const b = tensor(Array.from(values(700 * 30, 6, Float32Array)), { shape: [700, 30] });
    const results: Record<string, number[]> = {};
    for (const precision of PRECISIONS) {
      setMatmulPrecision(precision);
      expect(getMatmulPrecision()).toBe(precision);
      expect(backendInfo().matmulPrecision).toBe(precision);
      setBackend('js');
      results[precision] = Array.from(matmul(a, b).data);
      setBackend('wasm', { minFlops: 0 });
      if (backendInfo().relaxedSimd !== 'used') expect(Array.from(matmul(a, b).data)).toEqual(results[precision]);
    }
    expect(results.highest).not.toEqual(results.high); // K = 700: the modes really differ
    // float64 always sums in double: the precision does not change it
    const a64 = a.astype('float64'), b64 = b.astype('float64');
    setMatmulPrecision('high');
    const high64 = Array.from(matmul(a64, b64).data);
    setMatmulPrecision('highest');
    expect(Array.from(matmul(a64, b64).data)).toEqual(high64);
  });

  it('rejects unknown backends, bad thresholds, thread counts and precisions with BackendError', () => {
    expect(() => setBackend('gpu' as 'js')).toThrow(BackendError);
    expect(() => setBackend('wasm', { minFlops: -1 })).toThrow(/minFlops must be a number >= 0, got -1/);
    expect(() => setNumThreads(3 as 2)).toThrow(BackendError);
    expect(getNumThreads()).toBe(initial.threads);
    setMatmulPrecision('high');
    expect(() => setMatmulPrecision('medium' as 'high')).toThrow(BackendError);
    expect(() => setMatmulPrecision('medium' as 'high')).toThrow(/expected 'highest' or 'high', got 'medium'/);
    expect(getMatmulPrecision()).toBe('high'); // unchanged by the bad call
    setMatmulPrecision(initial.precision);
  });

  it('two threads give bit-identical results to one in both precisions (rows split, columns split, after memory growth)', async () => {
    setBackend('wasm');
    setNumThreads(2);
    const shapes: [number, number, number, boolean, boolean][] = [
      [257, 301, 129, false, false], // M >= N: rows split
      [67, 290, 333, false, true], // M < N: columns split
      [600, 200, 500, true, false], // bigger than anything before: the shared memory grows
    ];
    const big = (M: number, K: number, N: number, T: typeof Float32Array | typeof Float64Array, tA: boolean, tB: boolean, p: MatmulPrecision) => {
      const a = values(M * K, M, T), b = values(K * N, N, T);
      const out = new T(M * N);
      expect(wasmMatmul(a, 0, tA, b, 0, tB, out, 0, M, K, N, p)).toBe(true);
      return out;
    };
    // the worker starts on the first large matmul and reports ready within a few hundred ms
    big(256, 256, 256, Float32Array, false, false, 'high');
    for (let i = 0; i < 200 && backendInfo().worker === 'starting'; i++) await new Promise((r) => setTimeout(r, 25));
    expect(backendInfo().worker).toBe('ready');
    for (const [M, K, N, tA, tB] of shapes) {
      for (const [T, p] of [[Float32Array, 'highest'], [Float32Array, 'high'], [Float64Array, 'highest']] as const) {
        setNumThreads(2);
        const two = big(M, K, N, T, tA, tB, p);
        setNumThreads(1);
        const one = big(M, K, N, T, tA, tB, p);
        expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      }
    }
  });
});

describe('matmuls too big for wasm memory', () => {
  it('sizes of 2^31 bytes and more stay exact (no 32-bit wrap) and are refused, not written out of bounds', () => {
    // 32768 x 8192 float32 at 'highest' is copied in as float64: A alone is 2^31 bytes.
    // The size check comes before any operand is read, so tiny stand-ins show the refusal without 1 GiB
    const tiny = () => new Float32Array(1);
    expect(wasmMatmul(tiny(), 0, false, tiny(), 0, false, tiny(), 0, 32768, 8192, 1, 'highest')).toBe(false);
    expect(wasmMatmul(tiny(), 0, false, tiny(), 0, false, tiny(), 0, 32768, 16384, 1, 'high')).toBe(false);
    const layout = matmulLayout(32768, 8192, 1, 8, 4, false);
    expect(layout.bPtr - layout.aPtr).toBe(2 ** 31);
    expect(layout.end).toBeGreaterThan(2 ** 31);
    const huge = matmulLayout(2 ** 20, 2 ** 20, 1, 4, 8, false);
    expect(huge.bPtr - huge.aPtr).toBe(2 ** 42);
  });

  it('a matmul over the wasm memory limit falls back to the JS kernel and gives its exact result', () => {
    const initial = { backend: getBackend(), minFlops: backendInfo().minFlops, maxBytes: wasmLimits.maxBytes };
    try {
      setBackend('wasm', { minFlops: 0 });
      wasmLimits.maxBytes = 2 ** 20; // 1 MiB: a 300 x 300 float64 product needs ~2.2 MiB
      const [M, K, N] = [300, 300, 300];
      const a = values(M * K, 11, Float64Array), b = values(K * N, 12, Float64Array);
      expect(wasmMatmul(a, 0, false, b, 0, false, new Float64Array(M * N), 0, M, K, N, 'highest')).toBe(false);
      const ref = new Float64Array(M * N);
      matmulJs(a, 0, false, b, 0, false, ref, 0, M, K, N, 'highest');
      const got = matmul(tensor(a, { shape: [M, K] }), tensor(b, { shape: [K, N] }));
      expect(Array.from(got.data)).toEqual(Array.from(ref));
    } finally {
      wasmLimits.maxBytes = initial.maxBytes;
      setBackend(initial.backend, { minFlops: initial.minFlops });
    }
  });
});

describe('in a fresh process', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const core = pathToFileURL(fileURLToPath(new URL('../packages/core/src/index.ts', import.meta.url))).href;

  function node(code: string, env: Record<string, string>, timeoutMs = 30000): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, env: { ...process.env, ...env } });
      let stdout = '', stderr = '', timedOut = false;
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, timedOut }); });
    });
  }

  it('environment variables choose the backend, the threshold and the precision; a bad value throws BackendError when first needed', async () => {
    const show = `const c = await import(${JSON.stringify(core)}); console.log(JSON.stringify({ ...c.backendInfo(), p: c.getMatmulPrecision() }));`;
    const [js, wasm, bad, badPrecision] = await Promise.all([
      node(show, { TENSORGRAD_BACKEND: 'js', TENSORGRAD_WASM_MIN_FLOPS: '', TENSORGRAD_MATMUL_PRECISION: '' }),
      node(show, { TENSORGRAD_BACKEND: 'wasm', TENSORGRAD_WASM_MIN_FLOPS: '0', TENSORGRAD_THREADS: '1', TENSORGRAD_MATMUL_PRECISION: 'highest' }),
      node(show, { TENSORGRAD_BACKEND: 'gpu' }),
      node(show, { TENSORGRAD_MATMUL_PRECISION: 'float32' }),
    ]);
    expect(JSON.parse(js.stdout)).toMatchObject({ backend: 'js', matmulPrecision: 'high', p: 'high' }); // the default
    expect(JSON.parse(wasm.stdout)).toMatchObject({ backend: 'wasm', minFlops: 0, threads: 1, matmulPrecision: 'highest', p: 'highest' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/BackendError: TENSORGRAD_BACKEND must be 'js', 'wasm' or 'native', got 'gpu'/);
    expect(badPrecision.code).not.toBe(0);
    expect(badPrecision.stderr).toMatch(/BackendError: TENSORGRAD_MATMUL_PRECISION must be 'highest' or 'high', got 'float32'/);
  });

  it('a bad environment variable does not stop the import: what first needs it throws BackendError', async () => {
    const code = `
      const c = await import(${JSON.stringify(core)});
      const x = c.tensor([[1, 2], [3, 4]]);
      const report = (f) => { try { f(); return 'ok'; } catch (e) { return e.name + ': ' + e.message; } };
      console.log(JSON.stringify([
        report(() => x.add(x)), report(() => x.matmul(x)), report(() => c.backendInfo()), report(() => c.setBackend('js')), report(() => x.add(x)),
      ]));`;
    const [badBackend, badThreads] = await Promise.all([
      node(code, { TENSORGRAD_BACKEND: 'gpu' }),
      node(code, { TENSORGRAD_BACKEND: 'wasm', TENSORGRAD_THREADS: 'many', TENSORGRAD_WASM_MIN_FLOPS: '0' }),
    ]);
    expect(badBackend.code).toBe(0);
    const bad = "BackendError: TENSORGRAD_BACKEND must be 'js', 'wasm' or 'native', got 'gpu'";
    // every op needs the backend; choosing one explicitly never reads the variable, and ops run after it
    expect(JSON.parse(badBackend.stdout)).toEqual([bad, bad, bad, 'ok', 'ok']);
    expect(badThreads.code).toBe(0);
    // a 2x2 matmul is not split over threads, so only backendInfo() needs the thread count
    expect(JSON.parse(badThreads.stdout)).toEqual(['ok', 'ok', "BackendError: TENSORGRAD_THREADS must be 1 or 2, got 'many'", 'ok', 'ok']);
  });

  it("the worker thread does not keep the process alive", async () => {
    const code = `
      const c = await import(${JSON.stringify(core)});
      c.setBackend('wasm'); c.setNumThreads(2);
      const a = c.rand([300, 300]);
      c.matmul(a, a); // starts the worker
      const t0 = Date.now();
      while (c.backendInfo().worker === 'starting' && Date.now() - t0 < 10000) c.matmul(a, a);
      c.matmul(a, a); // split over both threads
      console.log(c.backendInfo().worker);`;
    const r = await node(code, {}, 30000);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('ready');
  });
});
