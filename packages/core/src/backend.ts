// The current backend: the one object every kernel call goes through (see kernels/backend.ts for the Backend
// interface and how a backend is added). 'native' (a Node-API addon: matmul and the optimizer updates in C,
// native/), 'wasm' (WebAssembly SIMD matmul, wasm/) or 'js' (plain loops, kernels/). Chosen on first use, not at
// load: TENSORGRAD_BACKEND if set, else 'native' where the addon loads (Node, built by the install step), else
// 'wasm' where the engine validates a SIMD module, else 'js'. Settings and environment variables: settings.ts.
import { BackendError } from './errors.js';
import type { Backend, MatmulPrecision } from './kernels/backend.js';
import { jsBackend } from './kernels/js.js';
import { type NativeStatus, native, nativeStatus } from './native/addon.js';
import { nativeBackend } from './native/backend.js';
import { wasmBackend } from './wasm/backend.js';
import { type SecondThread, THREAD_MIN_FLOPS, getWorkerState, secondThread, useRelaxed, wasmSupport } from './wasm/runtime.js';
import {
  type BackendName, matmulPrecision, nativeMinFlops, numThreads, requestedBackend, setMatmulPrecisionSetting,
  setNativeMinFlops, setNumThreadsSetting, setWasmMinFlops, wasmMinFlops,
} from './settings.js';

export { BackendError };
export type { Backend, BackendName, MatmulPrecision, NativeStatus };
export { DEFAULT_MIN_FLOPS } from './settings.js';

/** Each backend by name, with the check that it can run here. */
const BACKENDS: Record<BackendName, () => Backend> = {
  js: () => jsBackend,
  wasm: () => {
    if (!wasmSupport.simd) throw new BackendError("the 'wasm' backend needs WebAssembly SIMD, which this engine does not validate; use 'js'");
    return wasmBackend;
  },
  native: () => {
    const addon = native();
    if (addon === null) {
      const s = nativeStatus();
      throw new BackendError(`the 'native' backend is not available: ${s.loaded ? '' : s.reason}`);
    }
    nativeCache ??= nativeBackend(addon);
    return nativeCache;
  },
};
let nativeCache: Backend | null = null;

let current: Backend | null = null;

/**
 * The current backend, whose entries compute every op's values: call `backend().exp(x, out)` at the time of
 * the call (setBackend swaps the object). nn and optim run their loops through it too.
 */
export function backend(): Backend {
  return current ?? chooseDefault();
}

function chooseDefault(): Backend {
  const forced = requestedBackend();
  if (forced === 'wasm' && !wasmSupport.simd) {
    throw new BackendError("TENSORGRAD_BACKEND=wasm, but this engine does not validate WebAssembly SIMD; unset it or use 'js'");
  }
  if (forced === undefined) {
    current = BACKENDS[native() !== null ? 'native' : wasmSupport.simd ? 'wasm' : 'js']();
    return current;
  }
  try {
    current = BACKENDS[forced]();
  } catch (e) {
    throw e instanceof BackendError ? new BackendError(`TENSORGRAD_BACKEND=${forced}, but ${e.message}; unset it or use 'wasm' or 'js'`) : e;
  }
  return current;
}

/**
 * Use `name`'s kernels from now on. Throws BackendError for 'wasm' where it cannot run, and for 'native' where
 * the addon is not loaded (backendInfo().native says why).
 * `minFlops` (wasm and native): products of fewer FLOPs (2*M*N*K) run on the JS kernel; 0 sends every one to
 * the backend's kernel.
 */
export function setBackend(name: BackendName, options: { minFlops?: number } = {}): void {
  if (!Object.hasOwn(BACKENDS, name)) {
    throw new BackendError(`setBackend: unknown backend '${String(name)}' (expected ${Object.keys(BACKENDS).map((n) => `'${n}'`).join(' or ')})`);
  }
  let chosen: Backend;
  try {
    chosen = BACKENDS[name]();
  } catch (e) {
    throw e instanceof BackendError ? new BackendError(`setBackend: ${e.message}`) : e;
  }
  const { minFlops } = options;
  if (minFlops !== undefined && !(Number.isFinite(minFlops) && minFlops >= 0)) {
    throw new BackendError(`setBackend: minFlops must be a number >= 0, got ${String(minFlops)}`);
  }
  current = chosen;
  if (minFlops !== undefined) (name === 'native' ? setNativeMinFlops : setWasmMinFlops)(minFlops);
}

export function getBackend(): BackendName {
  return backend().name as BackendName;
}

/** Threads for large wasm and native matmuls: 2 splits them with one worker thread (worker_threads in Node, a Web Worker in a cross-origin isolated page; started on first use). */
export function setNumThreads(n: 1 | 2): void {
  if (n !== 1 && n !== 2) throw new BackendError(`setNumThreads: expected 1 or 2, got ${String(n)}`);
  setNumThreadsSetting(n);
}

export function getNumThreads(): 1 | 2 {
  return numThreads();
}

/**
 * How float32 matmuls sum, on both backends (modelled on torch.set_float32_matmul_precision):
 * 'high' (the default) sums in float32, as BLAS (PyTorch, numpy) does; 'highest' sums the float32 products in
 * float64 and rounds once to float32, as the book's np.dot does under nnfs.init() (nn's nnfsInit() selects it).
 * At 'highest' every backend gives the same bits; at 'high' js and wasm agree, and native (FMA, its own blocking)
 * differs from them only within float32 rounding. float64 matmuls always sum in double.
 */
export function setMatmulPrecision(precision: MatmulPrecision): void {
  if (precision !== 'highest' && precision !== 'high') {
    throw new BackendError(`setMatmulPrecision: expected 'highest' or 'high', got '${String(precision)}'`);
  }
  setMatmulPrecisionSetting(precision);
}

export function getMatmulPrecision(): MatmulPrecision {
  return matmulPrecision();
}

export interface BackendInfo {
  backend: BackendName;
  /** how float32 matmuls sum: 'highest' in float64, 'high' in float32 (setMatmulPrecision) */
  matmulPrecision: MatmulPrecision;
  /** the engine validates WebAssembly SIMD; relaxed SIMD's relaxed_madd: not validated, available, or used */
  simd: boolean;
  relaxedSimd: 'unsupported' | 'available' | 'used';
  /** threads asked for (setNumThreads), and the wasm second thread's state: 'off' until a matmul needs it */
  threads: 1 | 2;
  worker: 'off' | 'starting' | 'ready' | 'failed';
  /**
   * what the wasm second thread is here: 'worker_threads' (Node), 'web-worker' (a cross-origin isolated page or
   * worker: SharedArrayBuffer), or 'none' (e.g. a page without isolation: one thread whatever `threads` says)
   */
  secondThread: SecondThread;
  /** on the current backend, matmuls of fewer FLOPs run on JS; at least this many are split over two threads */
  minFlops: number;
  threadMinFlops: number;
  /**
   * The Node-API addon: loaded, with its path and the microkernel family its matmul runs ('avx512', 'avx2' or
   * 'portable', by CPU features) and `blas`: the system OpenBLAS it opened and the float32 products it serves, or
   * why there is none; or not loaded, with the reason (not built, failed to load, not Node).
   */
  native: NativeStatus;
  /** the Backend entries the current backend implements itself (the rest are the JS backend's) */
  overrides: string[];
}

export function backendInfo(): BackendInfo {
  const b = backend();
  return {
    backend: b.name as BackendName,
    matmulPrecision: matmulPrecision(),
    simd: wasmSupport.simd,
    relaxedSimd: useRelaxed() ? 'used' : wasmSupport.relaxed ? 'available' : 'unsupported',
    threads: numThreads(),
    worker: getWorkerState(),
    secondThread: secondThread(),
    minFlops: b.name === 'native' ? nativeMinFlops() : wasmMinFlops(),
    threadMinFlops: b.name === 'native' ? (native()?.info().threadMinFlops ?? THREAD_MIN_FLOPS) : THREAD_MIN_FLOPS,
    native: nativeStatus(),
    overrides: (Object.keys(b) as (keyof Backend)[]).filter((k) => k !== 'name' && b[k] !== jsBackend[k]),
  };
}
