// Backend settings in one place: matmul precision, threads, the wasm FLOP threshold, and the TENSORGRAD_*
// environment variables that set their defaults. Each variable is read when its setting is first needed (a
// kernel call, backendInfo(), a getter), not at import: a bad value throws a BackendError then, naming the
// variable, and a setter called first means the variable is never read.
//   TENSORGRAD_BACKEND=js|wasm|native   the backend (default: 'native' where the addon loads, else 'wasm' where
//                                   the engine validates SIMD, else 'js'); a forced one that cannot run here is
//                                   a BackendError (backend.ts)
//   TENSORGRAD_WASM_MIN_FLOPS=n     matmuls below n FLOPs (2*M*N*K) run on JS even on 'wasm' (0: every one)
//   TENSORGRAD_NATIVE_MIN_FLOPS=n   the same for 'native' (0: every one)
//   TENSORGRAD_NATIVE_PATH=file     load the native addon from this file instead of the install step's build
//   TENSORGRAD_NO_BLAS=1            the native addon leaves the system BLAS alone: its own kernel serves every
//                                   matmul (read by the addon's C at load; at build, find-blas.mjs looks for none)
//   TENSORGRAD_THREADS=1|2          threads for large wasm and native matmuls (default 2 where there are 2+ CPUs)
//   TENSORGRAD_WASM_RELAXED=1       use relaxed SIMD's fused multiply-add where the engine has it (results then
//                                   differ from the JS kernel's in the last bits)
//   TENSORGRAD_MATMUL_PRECISION=highest|high   how float32 matmuls sum (see MatmulPrecision; default 'high')
import { BackendError } from './errors.js';
import type { MatmulPrecision } from './kernels/backend.js';

export interface HostProcess {
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
  pid?: number;
  stdout?: { isTTY?: boolean; write(s: string): unknown };
}

/** The host's `process` (Node), or undefined (browsers): the one place core probes for it. */
export function hostProcess(): HostProcess | undefined {
  return (globalThis as { process?: HostProcess }).process;
}

/** An environment variable; undefined where there is no process.env, and for an empty value. */
export function env(name: string): string | undefined {
  const value = hostProcess()?.env?.[name];
  return value === '' ? undefined : value;
}

/** A Node built-in module (e.g. 'node:worker_threads') without a static import; undefined outside Node. */
export function builtinModule<T>(id: string): T | undefined {
  try {
    return (hostProcess()?.getBuiltinModule?.(id) as T | undefined) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Default of TENSORGRAD_WASM_MIN_FLOPS. Measured on a 2-core AMD EPYC (Node 20), float32, wasm including the
 * copies in and out against the JS kernel: 8x8x8 (1 kFLOP) 1.0 µs vs 0.7, 4x100x4 (3.2 kFLOP) 1.7 vs 2.5,
 * 12x12x12 (3.5 kFLOP) 1.2 vs 2.3, 16x16x16 (8 kFLOP) 1.2 vs 5.4: the crossover is near 2 kFLOP. At 'highest'
 * precision (float64 kernels on both sides) 8x8x8 1.0 vs 0.8, 4x100x4 1.9 vs 1.5, 12x12x12 1.5 vs 1.6,
 * 16x16x16 1.7 vs 3.1: nearer 4 kFLOP, a few tenths of a µs either way, so one threshold serves both. Only
 * speed depends on it: both kernels give the same bits.
 */
export const DEFAULT_MIN_FLOPS = 2048;

/**
 * Default of TENSORGRAD_NATIVE_MIN_FLOPS. A call into the addon costs ~0.4 µs; measured (float32, one process per
 * precision, this 2-core EPYC) native vs JS: 4x4x4 (128 FLOPs) 0.62 µs vs 0.35 at 'high', 0.43 vs 0.66 at
 * 'highest'; 6x6x6 (432) 0.45 vs 0.57 and 0.46 vs 4.5; 8x8x8 (1 kFLOP) 0.51 vs 1.2 and 0.83 vs 2.8. Only speed
 * depends on it (the same bits at 'highest' and for float64).
 */
export const DEFAULT_NATIVE_MIN_FLOPS = 512;

export type BackendName = 'js' | 'wasm' | 'native';
const BACKEND_NAMES: readonly BackendName[] = ['js', 'wasm', 'native'];

/** TENSORGRAD_BACKEND, checked; undefined when unset. */
export function requestedBackend(): BackendName | undefined {
  const forced = env('TENSORGRAD_BACKEND');
  if (forced !== undefined && !(BACKEND_NAMES as readonly string[]).includes(forced)) {
    throw new BackendError(`TENSORGRAD_BACKEND must be 'js', 'wasm' or 'native', got '${forced}'`);
  }
  return forced as BackendName | undefined;
}

let precision: MatmulPrecision | undefined;
let minFlops: number | undefined;
let nativeMin: number | undefined;
let threads: 1 | 2 | undefined;

export function matmulPrecision(): MatmulPrecision {
  if (precision === undefined) {
    const p = env('TENSORGRAD_MATMUL_PRECISION');
    if (p !== undefined && p !== 'highest' && p !== 'high') {
      throw new BackendError(`TENSORGRAD_MATMUL_PRECISION must be 'highest' or 'high', got '${p}'`);
    }
    precision = p ?? 'high';
  }
  return precision;
}

export function setMatmulPrecisionSetting(p: MatmulPrecision): void {
  precision = p;
}

/** A FLOP threshold from the environment variable `name` (a number >= 0), or `fallback` when unset. */
function flopsFromEnv(name: string, fallback: number): number {
  const text = env(name);
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(value) || value < 0) throw new BackendError(`${name} must be a number >= 0, got '${text}'`);
  return value;
}

/** Matmuls of fewer FLOPs (2*M*N*K) run on the JS kernel even on the wasm backend. */
export function wasmMinFlops(): number {
  return (minFlops ??= flopsFromEnv('TENSORGRAD_WASM_MIN_FLOPS', DEFAULT_MIN_FLOPS));
}

export function setWasmMinFlops(n: number): void {
  minFlops = n;
}

/** Matmuls of fewer FLOPs run on the JS kernel even on the native backend. */
export function nativeMinFlops(): number {
  return (nativeMin ??= flopsFromEnv('TENSORGRAD_NATIVE_MIN_FLOPS', DEFAULT_NATIVE_MIN_FLOPS));
}

export function setNativeMinFlops(n: number): void {
  nativeMin = n;
}

/** CPUs: Node's os.availableParallelism(), a browser's navigator.hardwareConcurrency, else 1. */
function cpuCount(): number {
  const os = builtinModule<typeof import('node:os')>('node:os');
  return os?.availableParallelism() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/** Threads for large wasm matmuls: TENSORGRAD_THREADS, else 2 where the machine has 2+ CPUs. */
export function numThreads(): 1 | 2 {
  if (threads === undefined) {
    const t = env('TENSORGRAD_THREADS');
    if (t !== undefined && t !== '1' && t !== '2') throw new BackendError(`TENSORGRAD_THREADS must be 1 or 2, got '${t}'`);
    threads = t === '1' ? 1 : t === '2' ? 2 : cpuCount() >= 2 ? 2 : 1;
  }
  return threads;
}

export function setNumThreadsSetting(n: 1 | 2): void {
  threads = n;
}

/** TENSORGRAD_WASM_RELAXED=1: use relaxed SIMD's fused multiply-add where the engine has it. */
export function relaxedSimdWanted(): boolean {
  return env('TENSORGRAD_WASM_RELAXED') === '1';
}
