// The current backend: the one object every kernel call goes through (see kernels/backend.ts for the Backend
// interface and how a backend is added). 'wasm' (WebAssembly SIMD matmul, wasm/) or 'js' (plain loops, kernels/).
// Chosen on first use, not at load: TENSORGRAD_BACKEND if set, else 'wasm' where the engine validates a SIMD
// module, else 'js'. Settings and environment variables: settings.ts.
import { BackendError } from './errors.js';
import type { Backend, MatmulPrecision } from './kernels/backend.js';
import { jsBackend } from './kernels/js.js';
import { wasmBackend } from './wasm/backend.js';
import { THREAD_MIN_FLOPS, getWorkerState, useRelaxed, wasmSupport } from './wasm/runtime.js';
import {
  type BackendName, matmulPrecision, numThreads, requestedBackend, setMatmulPrecisionSetting, setNumThreadsSetting,
  setWasmMinFlops, wasmMinFlops,
} from './settings.js';

export { BackendError };
export type { Backend, BackendName, MatmulPrecision };
export { DEFAULT_MIN_FLOPS } from './settings.js';

/** Each backend by name, with the check that it can run here. */
const BACKENDS: Record<BackendName, () => Backend> = {
  js: () => jsBackend,
  wasm: () => {
    if (!wasmSupport.simd) throw new BackendError("the 'wasm' backend needs WebAssembly SIMD, which this engine does not validate; use 'js'");
    return wasmBackend;
  },
};

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
  current = BACKENDS[forced ?? (wasmSupport.simd ? 'wasm' : 'js')]();
  return current;
}

/**
 * Use `name`'s kernels from now on. Throws BackendError for 'wasm' where it cannot run.
 * `minFlops` (wasm only): products of fewer FLOPs (2*M*N*K) run on the JS kernel; 0 sends every one to wasm.
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
  if (minFlops !== undefined) setWasmMinFlops(minFlops);
}

export function getBackend(): BackendName {
  return backend().name as BackendName;
}

/** Threads for large wasm matmuls: 2 splits them with one worker thread (Node only; started on first use). */
export function setNumThreads(n: 1 | 2): void {
  if (n !== 1 && n !== 2) throw new BackendError(`setNumThreads: expected 1 or 2, got ${String(n)}`);
  setNumThreadsSetting(n);
}

export function getNumThreads(): 1 | 2 {
  return numThreads();
}

/**
 * How float32 matmuls sum, on both backends (modelled on torch.set_float32_matmul_precision):
 * 'highest' (the default) sums the float32 products in float64 and rounds once to float32, as the book's np.dot
 * does under nnfs.init(); 'high' sums in float32, as BLAS does, about twice as fast on the wasm backend.
 * Either way both backends give the same bits. float64 matmuls always sum in double.
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
  /** threads asked for (setNumThreads), and the second thread's state: 'off' until a matmul needs it */
  threads: 1 | 2;
  worker: 'off' | 'starting' | 'ready' | 'failed';
  /** matmuls of fewer FLOPs run on JS; at least this many are split over two threads */
  minFlops: number;
  threadMinFlops: number;
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
    minFlops: wasmMinFlops(),
    threadMinFlops: THREAD_MIN_FLOPS,
    overrides: (Object.keys(b) as (keyof Backend)[]).filter((k) => k !== 'name' && b[k] !== jsBackend[k]),
  };
}
