// Loads the Node-API addon (packages/core/native, compiled from source by the install step) on first use.
// Nothing here imports a node: module: in a browser, or wherever the addon was not built or does not load,
// native() is null and nativeStatus() says why, and the wasm/JS kernels run instead.
import type { TypedArray } from '../dtype.js';
import { builtinModule, env } from '../settings.js';

/** The addon's functions (native/src/addon.c). */
export interface NativeAddon {
  /**
   * out[M,N] = op(a) @ op(b) on the arrays' own memory; all Float32Array (high: float32 sums) or all Float64Array.
   * threads 2: large products are split with the addon's worker thread (the same bits). blas: 0 (default) our
   * kernel; 1 the system BLAS (blasOpen; float32 at high only, each thread's part on one of its threads); 2 the
   * BLAS where it measured faster (info().blas.serves; C: blas_serves in native/src/blas.h), our kernel elsewhere.
   */
  matmul(
    a: TypedArray, aOff: number, transA: boolean,
    b: TypedArray, bOff: number, transB: boolean,
    out: TypedArray, outOff: number,
    M: number, K: number, N: number, high: boolean, threads: 1 | 2, blas?: 0 | 1 | 2,
  ): void;
  /**
   * matmul for aOff.length (1 to 4096) products of one size: product i from a at aOff[i] and b at bOff[i] into out
   * at outOff + i*M*N, each with matmul's bits; threads 2 splits the batch (not each product) with the worker.
   */
  matmulBatch(
    a: TypedArray, aOff: Float64Array, transA: boolean,
    b: TypedArray, bOff: Float64Array, transB: boolean,
    out: TypedArray, outOff: number,
    M: number, K: number, N: number, high: boolean, threads: 1 | 2, blas?: 0 | 1 | 2,
  ): void;
  /** Opens a system OpenBLAS (cblas_sgemm, openblas_set_num_threads) by dlopen: null when usable (the first usable one stays in use), else why not. */
  blasOpen(path: string): string | null;
  // The optimizers' updates in place (the JS backend's kernels/optim.ts, the same bits): w and its state arrays
  // all Float32Array or all Float64Array, of one length; nesterov is 0 or 1.
  sgdStep(w: TypedArray, g: TypedArray, v: TypedArray | null, momentum: number, lr: number, nesterov: number): void;
  adagradStep(w: TypedArray, g: TypedArray, cache: TypedArray, lr: number, epsilon: number): void;
  rmspropStep(w: TypedArray, g: TypedArray, cache: TypedArray, lr: number, epsilon: number, rho: number): void;
  adamStep(
    w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray,
    lr: number, epsilon: number, beta1: number, beta2: number, c1: number, c2: number, keep: number,
  ): void;
  // Elementwise kernels and the fused softmax cross-entropy (native/src/elementwise.c), the JS backend's bits:
  // the arrays of one float type; relu's and reluBackward's of one length (out may be g).
  relu(x: TypedArray, out: TypedArray): void;
  reluBackward(x: TypedArray, g: TypedArray, out: TypedArray): void;
  /** lo, hi: the clip bounds -log1p(-clip) and -log(clip) */
  softmaxCrossEntropy(x: TypedArray, labels: Int32Array, n: number, c: number, clip: number, lo: number, hi: number, p: TypedArray, out: TypedArray): void;
  /** The index of x's first NaN or ±Infinity, or -1 (the optimizers' check). */
  firstNonFinite(x: TypedArray): number;
  /** x[r, j] += row[j] for x [rows, cols] (linear's bias), x and row of one float type. */
  addRowsInPlace(x: TypedArray, row: TypedArray, rows: number, cols: number): void;
  /** x [outer, len, inner] summed over len into out [outer, inner] (reduce.ts's order), both of one float type. */
  sumAxis(x: TypedArray, outer: number, len: number, inner: number, out: TypedArray): void;
  /**
   * conv.ts's im2col (x [n, c, h, w] into cols [n, c*kh*kw, oh*ow]) and col2im (cols summed back into x, in the
   * JS order), both arrays of one float type; the 14 numbers are WindowGeometry's fields in its order.
   */
  im2col(x: TypedArray, cols: TypedArray, ...geometry: number[]): void;
  col2im(cols: TypedArray, x: TypedArray, ...geometry: number[]): void;
  /** reduce.ts's argExtremumAxis: x a Float32Array or Float64Array, out an Int32Array. */
  argExtremumAxis(x: TypedArray, outer: number, len: number, inner: number, out: Int32Array, sign: 1 | -1): void;
  /**
   * out = a op b (0 add, 1 sub, 2 mul, 3 div) with broadcasting, all three of one float type; runs is
   * [...shape, ...a's strides, ...b's strides] of elementwise.ts's broadcastRuns.
   */
  binary(op: 0 | 1 | 2 | 3, a: TypedArray, b: TypedArray, out: TypedArray, runs: number[]): void;
  /** layout.ts's gather and scatterAdd, the values of one float type; throws on an index outside [0, len). */
  gather(x: TypedArray, outer: number, len: number, inner: number, index: Int32Array, m: number, out: TypedArray): void;
  scatterAdd(src: TypedArray, outer: number, len: number, inner: number, index: Int32Array, m: number, out: TypedArray): void;
  /** use one microkernel family; false where this CPU lacks it */
  setKernel(name: NativeKernel): boolean;
  info(): { kernel: NativeKernel; kernels: NativeKernel[]; threadMinFlops: number; blas: BlasStatus };
}

/** Microkernel families, fastest first: chosen at load by CPU features. */
export type NativeKernel = 'avx512' | 'avx2' | 'portable';

export type NativeStatus =
  | { loaded: true; path: string; kernel: NativeKernel; blas: BlasStatus }
  | { loaded: false; path: string; reason: string };

/**
 * The system BLAS the install step found (native/find-blas.mjs writes build/blas.txt) and the addon opened at load
 * (unless TENSORGRAD_NO_BLAS=1): its file, its build configuration (openblas_get_config) and the products it serves
 * (the rest runs the addon's own kernel); or why there is none.
 */
export type BlasStatus =
  | { loaded: true; path: string; name: string; serves: string }
  | { loaded: false; reason: string };

interface NodeFs {
  existsSync(path: string): boolean;
  readFileSync(path: string, encoding: 'utf8'): string;
}

interface NodeProcess {
  dlopen(module: { exports: unknown }, filename: string): void;
}

let addon: NativeAddon | null = null;
let status: NativeStatus | null = null;

/** Where the install step puts the addon: packages/core/native/build/Release, two folders above this file (src/native or dist/native). */
function defaultPath(): string {
  const url = new URL('../../native/build/Release/tensorgrad.node', import.meta.url);
  const nodeUrl = builtinModule<{ fileURLToPath(u: URL): string }>('node:url');
  return nodeUrl ? nodeUrl.fileURLToPath(url) : decodeURIComponent(url.pathname);
}

/** Why the addon is not there: the install step's recorded reason if it failed, else a generic one. */
function missingReason(path: string): string {
  const fs = builtinModule<NodeFs>('node:fs');
  const log = path.replace(/Release[/\\]tensorgrad\.node$/, 'error.txt');
  try {
    if (fs && log !== path && fs.existsSync(log)) return `not built: ${fs.readFileSync(log, 'utf8').trim()}`;
  } catch {
    // fall through to the generic reason
  }
  return `not built: no file at ${path} (npm install compiles it; run \`npm rebuild @tensorgrad/core\` to retry)`;
}

/**
 * Loads the addon from `path` (default: the install step's build, or TENSORGRAD_NATIVE_PATH), replacing any
 * earlier attempt, and returns the status. Never throws: a missing or broken addon gives { loaded: false, reason }.
 */
export function loadNative(path?: string): NativeStatus {
  addon = null;
  const proc = builtinModule<NodeProcess>('node:process');
  const file = path ?? env('TENSORGRAD_NATIVE_PATH') ?? (proc ? defaultPath() : '');
  if (!proc || typeof proc.dlopen !== 'function') {
    status = { loaded: false, path: file, reason: 'not Node.js (no process.dlopen): native addons need Node' };
    return status;
  }
  const fs = builtinModule<NodeFs>('node:fs');
  if (fs && !fs.existsSync(file)) {
    status = { loaded: false, path: file, reason: missingReason(file) };
    return status;
  }
  try {
    const module = { exports: {} as NativeAddon };
    proc.dlopen(module, file);
    addon = module.exports;
    status = { loaded: true, path: file, kernel: addon.info().kernel, blas: addon.info().blas };
  } catch (e) {
    status = { loaded: false, path: file, reason: `failed to load ${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
  return status;
}

/** The addon, loaded on first call; null where it is not available (nativeStatus() says why). */
export function native(): NativeAddon | null {
  if (status === null) loadNative();
  return addon;
}

/** Whether the addon is loaded, from where, and its current microkernel family; or why it is not. */
export function nativeStatus(): NativeStatus {
  if (status === null) loadNative();
  return status !== null && status.loaded && addon !== null ? { ...status, kernel: addon.info().kernel } : (status as NativeStatus);
}
