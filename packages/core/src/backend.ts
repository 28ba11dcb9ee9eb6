// Which kernels run matmul: 'wasm' (WebAssembly SIMD, wasm/) or 'js' (plain loops, kernels/matmul.ts).
// Chosen at load: 'wasm' where the engine validates a SIMD module, else 'js'. Environment variables:
//   TENSORGRAD_BACKEND=js|wasm      force one (a forced 'wasm' the engine cannot run throws BackendError at load)
//   TENSORGRAD_WASM_MIN_FLOPS=n     matmuls below n FLOPs (2*M*N*K) run on JS even on 'wasm' (0: every one)
//   TENSORGRAD_THREADS=1|2          threads for large wasm matmuls (default 2 where there are 2+ CPUs)
//   TENSORGRAD_WASM_RELAXED=1       use relaxed SIMD's fused multiply-add where the engine has it (results then
//                                   differ from the JS kernel's in the last bits)
//   TENSORGRAD_MATMUL_PRECISION=highest|high   how float32 matmuls sum (see setMatmulPrecision)
import { TensorgradError } from './errors.js';
import { type MatmulPrecision, matmulConfig } from './kernels/matmul.js';
import { THREAD_MIN_FLOPS, getThreads, getWorkerState, setThreads, wasmSupport } from './wasm/runtime.js';

/** A backend or thread setting that cannot be honoured (unknown name, wasm where the engine lacks SIMD). */
export class BackendError extends TensorgradError {}

export type BackendName = 'js' | 'wasm';
export type { MatmulPrecision };

/**
 * Default of TENSORGRAD_WASM_MIN_FLOPS. Measured on a 2-core AMD EPYC (Node 20), float32, wasm including the
 * copies in and out against the JS kernel: 8x8x8 (1 kFLOP) 1.0 µs vs 0.7, 4x100x4 (3.2 kFLOP) 1.7 vs 2.5,
 * 12x12x12 (3.5 kFLOP) 1.2 vs 2.3, 16x16x16 (8 kFLOP) 1.2 vs 5.4: the crossover is near 2 kFLOP. At 'highest'
 * precision (float64 kernels on both sides) 8x8x8 1.0 vs 0.8, 4x100x4 1.9 vs 1.5, 12x12x12 1.5 vs 1.6,
 * 16x16x16 1.7 vs 3.1: nearer 4 kFLOP, a few tenths of a µs either way, so one threshold serves both. Only
 * speed depends on it: both kernels give the same bits.
 */
export const DEFAULT_MIN_FLOPS = 2048;

function env(name: string): string | undefined {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  return value === '' ? undefined : value;
}

/**
 * Use `name`'s kernels for matmul from now on. Throws BackendError for 'wasm' where it cannot run.
 * `minFlops` (wasm only): products of fewer FLOPs (2*M*N*K) run on the JS kernel; 0 sends every one to wasm.
 */
export function setBackend(name: BackendName, options: { minFlops?: number } = {}): void {
  if (name !== 'js' && name !== 'wasm') throw new BackendError(`setBackend: unknown backend '${String(name)}' (expected 'js' or 'wasm')`);
  if (name === 'wasm' && !wasmSupport.simd) {
    throw new BackendError("setBackend: the 'wasm' backend needs WebAssembly SIMD, which this engine does not validate; use 'js'");
  }
  const { minFlops } = options;
  if (minFlops !== undefined && !(Number.isFinite(minFlops) && minFlops >= 0)) {
    throw new BackendError(`setBackend: minFlops must be a number >= 0, got ${String(minFlops)}`);
  }
  matmulConfig.backend = name;
  if (minFlops !== undefined) matmulConfig.minFlops = minFlops;
}

export function getBackend(): BackendName {
  return matmulConfig.backend;
}

/** Threads for large wasm matmuls: 2 splits them with one worker thread (Node only; started on first use). */
export function setNumThreads(n: 1 | 2): void {
  if (n !== 1 && n !== 2) throw new BackendError(`setNumThreads: expected 1 or 2, got ${String(n)}`);
  setThreads(n);
}

export function getNumThreads(): 1 | 2 {
  return getThreads();
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
  matmulConfig.precision = precision;
}

export function getMatmulPrecision(): MatmulPrecision {
  return matmulConfig.precision;
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
}

export function backendInfo(): BackendInfo {
  return {
    backend: matmulConfig.backend,
    matmulPrecision: matmulConfig.precision,
    simd: wasmSupport.simd,
    relaxedSimd: wasmSupport.useRelaxed ? 'used' : wasmSupport.relaxed ? 'available' : 'unsupported',
    threads: getThreads(),
    worker: getWorkerState(),
    minFlops: matmulConfig.minFlops,
    threadMinFlops: THREAD_MIN_FLOPS,
  };
}

// ---- the choice at load
{
  const forced = env('TENSORGRAD_BACKEND');
  if (forced !== undefined && forced !== 'js' && forced !== 'wasm') {
    throw new BackendError(`TENSORGRAD_BACKEND must be 'js' or 'wasm', got '${forced}'`);
  }
  if (forced === 'wasm' && !wasmSupport.simd) {
    throw new BackendError("TENSORGRAD_BACKEND=wasm, but this engine does not validate WebAssembly SIMD; unset it or use 'js'");
  }
  matmulConfig.backend = (forced as BackendName | undefined) ?? (wasmSupport.simd ? 'wasm' : 'js');
  const min = env('TENSORGRAD_WASM_MIN_FLOPS');
  const minValue = min === undefined ? DEFAULT_MIN_FLOPS : Number(min);
  if (!Number.isFinite(minValue) || minValue < 0) {
    throw new BackendError(`TENSORGRAD_WASM_MIN_FLOPS must be a number >= 0, got '${min}'`);
  }
  matmulConfig.minFlops = minValue;
  const t = env('TENSORGRAD_THREADS');
  if (t !== undefined && t !== '1' && t !== '2') throw new BackendError(`TENSORGRAD_THREADS must be 1 or 2, got '${t}'`);
  const p = env('TENSORGRAD_MATMUL_PRECISION');
  if (p !== undefined && p !== 'highest' && p !== 'high') {
    throw new BackendError(`TENSORGRAD_MATMUL_PRECISION must be 'highest' or 'high', got '${p}'`);
  }
  matmulConfig.precision = p ?? 'highest';
}
